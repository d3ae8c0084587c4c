package dev.sprint.core.plan;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How much memory this process may use, from what limits it: physical memory ({@code /proc/meminfo}), a
 * container's cgroup limit (v2 {@code memory.max}, v1 {@code memory.limit_in_bytes}) and, for backends whose
 * native memory is direct buffers, {@code -XX:MaxDirectMemorySize} (which defaults to {@code -Xmx}). What the
 * JVM heap may grow to is not available to native memory, so it is subtracted from the physical and cgroup
 * limits.
 *
 * @param physicalBytes total physical memory (0 if unknown)
 * @param availableBytes memory the kernel reports as available now (0 if unknown)
 * @param cgroupBytes    the cgroup limit, or {@code Long.MAX_VALUE} if none
 * @param heapMaxBytes   the JVM heap maximum ({@code -Xmx})
 * @param directMaxBytes the direct-buffer limit
 * @param fixed          a budget set by the caller ({@link #of}): exactly {@code physicalBytes}, no margin
 */
public record MemoryBudget(long physicalBytes, long availableBytes, long cgroupBytes, long heapMaxBytes, long directMaxBytes,
                           boolean fixed) implements dev.sprint.api.PipelineOption {

    /**
     * A budget of exactly {@code bytes} for weights and activations, instead of what this machine has: for a
     * process that shares its machine with others ({@code Pipeline.builder().with(MemoryBudget.of(8_000_000_000L))}).
     */
    public static MemoryBudget of(long bytes) {
        if (bytes <= 0) throw new dev.sprint.api.InvalidRequestException("a memory budget must be positive, got " + bytes);
        return new MemoryBudget(bytes, bytes, Long.MAX_VALUE, 0, bytes, true);
    }

    /** Reads the limits of this process. */
    public static MemoryBudget detect() {
        long total = meminfo("MemTotal:");
        long avail = meminfo("MemAvailable:");
        long cg = Math.min(readLong(Path.of("/sys/fs/cgroup/memory.max")), readLong(Path.of("/sys/fs/cgroup/memory/memory.limit_in_bytes")));
        long heap = Runtime.getRuntime().maxMemory();
        return new MemoryBudget(total, avail, cg <= 0 ? Long.MAX_VALUE : cg, heap, maxDirect(heap), false);
    }

    /**
     * Bytes the pipeline may plan for native memory (weights and activations): the smaller of physical memory and
     * the cgroup limit, less the part of the heap in use and a margin (1 GiB or 1/6) for the JVM, the libraries and
     * the page cache that reading the checkpoint needs; with {@code direct} also at most the direct-buffer limit.
     */
    public long nativeBytes(boolean direct) {
        if (fixed) return physicalBytes;
        long limit = physicalBytes > 0 ? physicalBytes : Long.MAX_VALUE;
        // on a shared machine what other processes hold is not ours: what is available now plus what we hold
        long avail = meminfo("MemAvailable:"); // now, not when the budget was read
        if (avail > 0) limit = Math.min(limit, avail + selfResident());
        limit = Math.min(limit, cgroupBytes);
        if (limit == Long.MAX_VALUE) return direct ? directMaxBytes : Long.MAX_VALUE;
        Runtime rt = Runtime.getRuntime();
        long heapUsed = rt.totalMemory() - rt.freeMemory();
        // measured at full size: the process holds ~1-1.5 GB beyond the plan (JVM, libtorch/ORT, allocator slack),
        // and a plan within 8 % of the machine held 21.8 of 24 GB and was killed on its next request
        long margin = Math.max(1L << 30, limit / 6);
        long b = Math.max(0, limit - heapUsed - margin);
        return direct ? Math.min(b, directMaxBytes) : b;
    }

    /** A line for logs and errors. */
    public String describe() {
        if (fixed) return "a budget of " + gb(physicalBytes) + " set with MemoryBudget.of";
        List<String> parts = new ArrayList<>();
        if (physicalBytes > 0) parts.add("physical " + gb(physicalBytes) + " (available " + gb(availableBytes) + ")");
        if (cgroupBytes != Long.MAX_VALUE) parts.add("cgroup limit " + gb(cgroupBytes));
        parts.add("heap max " + gb(heapMaxBytes));
        parts.add("direct max " + gb(directMaxBytes));
        return String.join(", ", parts);
    }

    /** Bytes as GB with one decimal. */
    public static String gb(long bytes) {
        return String.format(Locale.ROOT, "%.1f GB", bytes / 1e9);
    }

    /** This process's resident bytes ({@code VmRSS}), 0 if unknown. */
    static long selfResident() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.substring(6).trim().split("\\s+")[0]) * 1024;
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private static long maxDirect(long heap) {
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("-XX:MaxDirectMemorySize=")) {
                long v = parseSize(arg.substring("-XX:MaxDirectMemorySize=".length()));
                if (v > 0) return v;
            }
        }
        return heap; // the JDK's default
    }

    static long parseSize(String s) {
        try {
            String t = s.trim().toLowerCase(Locale.ROOT);
            long mul = 1;
            char last = t.charAt(t.length() - 1);
            if (last == 'k' || last == 'm' || last == 'g' || last == 't') {
                mul = switch (last) {
                    case 'k' -> 1L << 10;
                    case 'm' -> 1L << 20;
                    case 'g' -> 1L << 30;
                    default -> 1L << 40;
                };
                t = t.substring(0, t.length() - 1);
            }
            return Math.multiplyExact(Long.parseLong(t), mul);
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static long meminfo(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith(key)) {
                    String[] f = line.substring(key.length()).trim().split("\\s+");
                    return Long.parseLong(f[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    private static long readLong(Path p) {
        try {
            String s = Files.readString(p).trim();
            if (s.equals("max")) return Long.MAX_VALUE;
            long v = Long.parseLong(s);
            return v >= (1L << 60) ? Long.MAX_VALUE : v; // v1 reports "unlimited" as a huge number
        } catch (IOException | RuntimeException e) {
            return Long.MAX_VALUE;
        }
    }
}
