package dev.sprint.examples;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code ./sprint soak}: runs one pipeline for N generations and reports the process's resident memory, Java
 * heap (after a GC), open file descriptors and threads every K generations, then the growth from the first
 * sample to the last — what a long-running service would see leak, if anything leaks.
 */
final class SoakCommand {
    static final String USAGE = """
            Usage: ./sprint soak [--model DIR|REPO_ID] [--backend NAME] [--count N] [--every K] [--steps N]
                                 [--width W --height H] [--prompt TEXT] [--threads N]
              --model   pipeline folder (default: the tiny bundled golden model golden/sana-sprint/model)
              --count   generations (default 50)
              --every   report every K generations (default 10)
              --steps   sampler steps (default 1); --width/--height default 64x64 without binning
            Prints one line per report: generations, RSS MB, heap MB, open fds, threads, ms per image;
            then the growth of each from the first report to the last.
            """;

    private SoakCommand() {}

    /** One sample of the process's resources. */
    record Sample(int generations, double rssMb, double heapMb, long fds, int threads) {}

    static int run(String[] argv, PrintStream out) {
        if (Arrays.asList(argv).contains("--help")) {
            out.print(USAGE);
            return 0;
        }
        Args a = new Args(argv, Set.of());
        String model = a.get("model");
        String backend = a.get("backend");
        int count = positive(a.getInt("count"), 50, "--count");
        int every = positive(a.getInt("every"), 10, "--every");
        int steps = positive(a.getInt("steps"), 1, "--steps");
        int width = positive(a.getInt("width"), 64, "--width");
        int height = positive(a.getInt("height"), 64, "--height");
        String prompt = a.get("prompt");
        Integer threads = a.getInt("threads");
        a.rejectUnknown();
        Pipeline.Builder b = Pipeline.builder().model(model == null ? "golden/sana-sprint/model" : model);
        if (backend != null) b.backend(backend);
        if (threads != null) b.threads(threads);
        GenerationRequest base = GenerationRequest.builder().prompt(prompt == null ? "a red fox in the snow" : prompt)
                .steps(steps).size(width, height).resolutionBinning(false).build();
        try (Pipeline p = b.build()) {
            out.println("soak: " + count + " generations of " + width + "x" + height + ", " + steps + " step(s) on " + p.describe());
            out.println(String.format(Locale.ROOT, "%8s %9s %9s %6s %8s %10s", "images", "rss_mb", "heap_mb", "fds", "threads", "ms/image"));
            Sample first = null;
            Sample last = null;
            long t = System.nanoTime();
            for (int i = 1; i <= count; i++) {
                GenerationResult r = p.generate(base.toBuilder().seed(i).build());
                if (r.images().size() != 1) throw new CliException("generation " + i + " made " + r.images().size() + " images");
                if (i % every == 0 || i == count) {
                    double ms = (System.nanoTime() - t) / 1e6 / (i % every == 0 ? every : i % every);
                    last = sample(i);
                    if (first == null) first = last;
                    out.println(String.format(Locale.ROOT, "%8d %9.1f %9.1f %6d %8d %10.1f", last.generations(), last.rssMb(),
                            last.heapMb(), last.fds(), last.threads(), ms));
                    t = System.nanoTime();
                }
            }
            out.println(String.format(Locale.ROOT, "growth from %d to %d images: rss %+.1f MB, heap %+.1f MB, fds %+d, threads %+d",
                    first.generations(), last.generations(), last.rssMb() - first.rssMb(), last.heapMb() - first.heapMb(),
                    last.fds() - first.fds(), last.threads() - first.threads()));
        }
        return 0;
    }

    private static int positive(Integer v, int dflt, String name) {
        if (v == null) return dflt;
        if (v < 1) throw new CliException(name + " must be at least 1");
        return v;
    }

    static Sample sample(int generations) {
        Runtime rt = Runtime.getRuntime();
        System.gc();
        double heap = (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
        return new Sample(generations, rssMb(), heap, openFds(), ManagementFactory.getThreadMXBean().getThreadCount());
    }

    /** VmRSS of /proc/self/status in MB, or -1 where there is no /proc. */
    static double rssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    /** Entries of /proc/self/fd, or -1 where there is none. */
    static long openFds() {
        Path fd = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fd)) return -1;
        try (Stream<Path> s = Files.list(fd)) {
            return s.count();
        } catch (IOException e) {
            return -1;
        }
    }
}
