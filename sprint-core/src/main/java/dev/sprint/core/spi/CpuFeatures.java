package dev.sprint.core.spi;

import dev.sprint.api.BackendUnavailableException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * What this CPU multiplies fast, read from the flags the kernel reports ({@code /proc/cpuinfo}), so a backend can
 * choose its compute type without running a kernel: bfloat16 pays off with AMX-BF16 (tile matmuls, ~3.4x the
 * float32 rate measured on a Sapphire Rapids core) or AVX512-BF16 (dot products); without either, libtorch
 * emulates bf16 through float32 and is slower than float32.
 *
 * @param flags the CPU flags, lower case (empty where the platform does not report them)
 * @param source where they were read from, for diagnostics
 */
public record CpuFeatures(Set<String> flags, String source) {
    public CpuFeatures {
        flags = Set.copyOf(flags);
    }

    private static final CpuFeatures THIS_MACHINE = read(Path.of("/proc/cpuinfo"));

    /** The flags of the machine this JVM runs on (read once). */
    public static CpuFeatures current() {
        return THIS_MACHINE;
    }

    /** Reads the first {@code flags} line of a cpuinfo file; a missing or unreadable file gives no flags. */
    public static CpuFeatures read(Path cpuinfo) {
        try {
            for (String line : Files.readAllLines(cpuinfo, StandardCharsets.UTF_8)) {
                if (line.startsWith("flags") && line.indexOf(':') > 0) {
                    String list = line.substring(line.indexOf(':') + 1).trim().toLowerCase(Locale.ROOT);
                    return new CpuFeatures(new TreeSet<>(Arrays.asList(list.split("\\s+"))), cpuinfo.toString());
                }
            }
            return new CpuFeatures(Set.of(), cpuinfo + " (no flags line)");
        } catch (IOException | RuntimeException e) {
            return new CpuFeatures(Set.of(), cpuinfo + " (unreadable: " + e.getMessage() + ")");
        }
    }

    public boolean amxBf16() {
        return flags.contains("amx_bf16");
    }

    public boolean avx512Bf16() {
        return flags.contains("avx512_bf16");
    }

    /** Whether bfloat16 matmuls run natively (faster than float32) here. */
    public boolean fastBf16() {
        return amxBf16() || avx512Bf16();
    }

    /** One line for logs and diagnostics: which bf16 instructions exist and what that means. */
    public String describeBf16() {
        if (amxBf16()) return "AMX-BF16" + (avx512Bf16() ? " and AVX512-BF16" : "") + " present: bfloat16 runs at the AMX rate";
        if (avx512Bf16()) return "AVX512-BF16 present (no AMX): bfloat16 runs natively";
        return "neither AMX-BF16 nor AVX512-BF16 reported by " + source + ": bfloat16 would be emulated through float32";
    }

    /**
     * The error of a backend that cannot compute bfloat16, naming the one that can, so a request for bf16 never
     * falls back to float32 silently.
     */
    public static BackendUnavailableException bf16Unsupported(String backend, String why) {
        return new BackendUnavailableException("the " + backend + " backend cannot compute bfloat16 (" + why
                + "); use the libtorch backend (add dev.sprint:sprint-backend-libtorch, select it with backend \"libtorch\")"
                + " or ask for float32");
    }
}
