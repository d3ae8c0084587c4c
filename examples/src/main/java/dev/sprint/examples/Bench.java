package dev.sprint.examples;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import dev.sprint.core.pipeline.DiffusionPipeline;
import dev.sprint.core.plan.MemoryBudget;
import dev.sprint.core.plan.MemoryPlan;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./sprint bench}: runs a pipeline several times and reports the median milliseconds of each stage
 * (text encoder, each sampler step, decoder), images per second and the process's peak resident memory.
 * The first run is a warm-up and is reported separately (first-call cost: graph building, session
 * creation, JIT).
 */
final class Bench {
    static final String USAGE = """
            Usage: ./sprint bench [--model DIR|REPO_ID] [--backend NAME] [--steps N[,N...]] [--width W --height H]
                                  [--no-binning] [--runs N] [--prompt TEXT] [--batch N] [--threads N]
                                  [--max-sequence-length L] [--no-matmul-rate]
                                  [--swd-weights DIR [--swd-preset NAME | --scales ... --sigmas ...]]   (SD3.5 folders)
                   ./sprint bench --config 0.6b|1.6b [--size PIXELS] [--stages transformer,controlnet,decoder,text]
                                  [--backend NAME] [--precision P] [--runs N] [--threads N]
                   ./sprint bench --config sd3.5-medium [--size PIXELS (1024)] [--text-tokens N (333)] [--loops]
                                  [--backend NAME] [--runs N] [--threads N]
              --config sd3.5-medium  SwD (6 and 4 steps) vs plain Euler (6 and 4 steps) on the real SD3.5-Medium
                          transformer with random weights: each latent size timed once, totals per sampler, speedups;
                          --loops also runs every sampler loop end to end
              --model     pipeline folder: the real pipeline end to end (load, per-stage and total ms, peak RSS);
                          default steps 1,2 at the model's default size and binning. Without --model: the tiny
                          bundled golden model golden/sana-sprint/model, 160x96, 1 step, no binning
              --steps     one count or a list (each is benchmarked in turn on the loaded pipeline)
                          the matmul rate of this machine (float32 4096^3 on the chosen backend) is measured first;
                          --no-matmul-rate skips it
              --config    a real SANA-Sprint config with random weights made in memory (no checkpoint needed);
                          stages are built, timed and freed one at a time (24 GiB cannot hold all at float32)
              --runs      measured runs after one warm-up (default 1 for --model DIR and --config, 3 for the tiny model)
              --batch     N different prompts in one request (a batch): per-image times are printed beside the totals
            """;

    /** Distinct prompts of different lengths for {@code --batch}: each row of a batch skips its own padding. */
    static final List<String> BATCH_PROMPTS = List.of("a red fox in the snow, watercolor", "a lighthouse at dusk, oil painting",
            "a bowl of ramen on a wooden table, studio photo", "an astronaut riding a horse", "a city street in the rain at night, neon signs",
            "a cat sleeping on a stack of old books", "mountains above the clouds at sunrise", "a vintage car in a desert");

    private Bench() {}

    static int run(String[] argv, PrintStream out) {
        if (Arrays.asList(argv).contains("--help")) {
            out.print(USAGE);
            return 0;
        }
        Args a = new Args(argv, Set.of("loops", "no-binning", "no-matmul-rate"));
        String config = a.get("config");
        if ("sd3.5-medium".equals(config)) return Sd3Bench.run(a, out);
        if (config != null) return RealConfigBench.run(a, config, out);
        boolean tiny = a.get("model") == null;
        String backend = a.get("backend");
        String stepsArg = a.get("steps");
        List<Integer> stepCounts = new ArrayList<>();
        for (String v : (stepsArg == null ? (tiny ? "1" : "1,2") : stepsArg).split(",")) {
            try {
                stepCounts.add(Integer.parseInt(v.trim()));
            } catch (NumberFormatException e) {
                throw new CliException("--steps takes a count or a list such as 1,2");
            }
        }
        Integer width = a.getInt("width");
        Integer height = a.getInt("height");
        if (tiny && width == null && height == null) { // the bundled tiny model at a small exact size
            width = 160;
            height = 96;
        }
        // null: the model's own default (SANA bins to its aspect-ratio table, SD3.5 has none)
        Boolean binning = a.flag("no-binning") || tiny ? Boolean.FALSE : null;
        int runs = opt(a.getInt("runs"), tiny ? 3 : 1);
        Integer threads = a.getInt("threads");
        String prompt = a.get("prompt");
        boolean swd = a.get("swd-weights") != null || a.get("swd-preset") != null || a.get("scales") != null;
        Integer maxLen = a.getInt("max-sequence-length");
        int batch = opt(a.getInt("batch"), 1);
        if (batch < 1) throw new CliException("--batch must be at least 1");
        if (batch > 1 && prompt != null) throw new CliException("--batch uses its own distinct prompts; drop --prompt");
        boolean noMatmul = a.flag("no-matmul-rate");
        Pipeline.Builder b = SprintCli.pipelineBuilder(a, System.err); // model, backend, threads, memory, tiling, SwD, ...
        if (tiny) b.model("golden/sana-sprint/model");
        a.rejectUnknown();

        MatmulRate f32Rate = noMatmul ? null : MatmulRate.measure(backend, threads == null ? 0 : threads);
        if (f32Rate != null) out.println(f32Rate);
        long l0 = System.nanoTime();
        try (Pipeline p = b.build()) {
            double loadMs = (System.nanoTime() - l0) / 1e6;
            out.printf(Locale.ROOT, "bench: %s, load %.1f ms (peak RSS so far %s)%n", p.describe(), loadMs, peakRss());
            // stages are measured against the rate of the type the pipeline computes in
            MatmulRate rate = f32Rate;
            if (f32Rate != null && "BF16".equals(p.describe().get("dtype"))) {
                rate = MatmulRate.measure(p.describe().get("backend"), threads == null ? 0 : threads, dev.sprint.api.Precision.BFLOAT16);
                out.println(rate);
            }
            MemoryPlan plan = p instanceof DiffusionPipeline<?> d ? d.memoryPlan() : null;
            if (plan != null) {
                out.printf(Locale.ROOT, "memory plan: %s mode; weights %s (total %s); %s available%n",
                        plan.mode().name().toLowerCase(Locale.ROOT), plan.describeWeights(), MemoryBudget.gb(plan.totalWeights()),
                        MemoryBudget.gb(plan.available()));
            }
            for (int steps : swd ? List.of(-1) : stepCounts) {
                GenerationRequest.Builder rb = GenerationRequest.builder().seed(42);
                if (batch > 1) {
                    List<String> prompts = new ArrayList<>();
                    for (int i = 0; i < batch; i++) prompts.add(BATCH_PROMPTS.get(i % BATCH_PROMPTS.size()));
                    rb.prompts(prompts);
                } else {
                    rb.prompt(prompt == null ? "a red fox in the snow, watercolor" : prompt);
                }
                if (binning != null) rb.resolutionBinning(binning);
                if (width != null || height != null) {
                    if (width == null || height == null) throw new CliException("give --width and --height together");
                    rb.size(width, height);
                }
                if (steps > 0) rb.steps(steps); // an SwD table fixes the steps
                if (maxLen != null) rb.maxSequenceLength(maxLen);
                GenerationRequest req = rb.build();
                String what = (width == null ? "model default size" : width + "x" + height) + (binning == null ? " (default binning)" : "")
                        + ", " + (steps > 0 ? steps + " step(s)" : "SwD table") + ", " + runs + " run(s)"
                        + (batch > 1 ? ", batch of " + batch : "");
                out.println("== " + what);
                long t0 = System.nanoTime();
                GenerationResult warm = p.generate(req);
                out.printf(Locale.ROOT, "first call (warm-up): %.1f ms  %s%n", (System.nanoTime() - t0) / 1e6, format(warm.timingsMs()));
                List<Map<String, Double>> all = new ArrayList<>();
                for (int i = 0; i < runs; i++) all.add(p.generate(req).timingsMs());
                Map<String, Double> median = new LinkedHashMap<>();
                for (String k : all.get(0).keySet()) {
                    double[] v = all.stream().mapToDouble(m -> m.getOrDefault(k, 0.0)).sorted().toArray();
                    median.put(k, v[v.length / 2]);
                }
                out.println("steady state (median ms): " + format(median));
                if (batch > 1) {
                    Map<String, Double> perImage = new LinkedHashMap<>();
                    median.forEach((k, v) -> perImage.put(k, v / batch));
                    out.println("per image (batch of " + batch + ", median ms): " + format(perImage));
                }
                out.printf(Locale.ROOT, "total=%.1f ms%n", median.get("total"));
                if (plan != null) floor(out, plan.estimate(req), median, rate, p, req);
                out.printf(Locale.ROOT, "images/s: %.4f%n", warm.images().size() * 1000.0 / median.get("total"));
                out.println("peak RSS: " + peakRss());
            }
        }
        return 0;
    }

    /**
     * Each stage's FLOPs (matmuls and convolutions, counted on the plan's twin), its floor at the measured matmul
     * rate and its share of that rate; the end-to-end ratio to the floor; the plan's activation peaks.
     */
    private static void floor(PrintStream out, MemoryPlan.Estimate e, Map<String, Double> ms, MatmulRate rate, Pipeline p,
                              GenerationRequest req) {
        Map<String, Long> flops = new LinkedHashMap<>(e.flops());
        long total = flops.values().stream().mapToLong(Long::longValue).sum();
        StringBuilder b = new StringBuilder("work (GFLOP):");
        flops.forEach((k, v) -> { if (v > 0) b.append(String.format(Locale.ROOT, " %s=%.1f", k, v / 1e9)); });
        b.append(String.format(Locale.ROOT, " total=%.1f", total / 1e9));
        out.println(b);
        out.println("activation peaks (plan): " + e.peaks().entrySet().stream().filter(x -> x.getValue() > 0)
                .map(x -> x.getKey() + "=" + MemoryBudget.gb(x.getValue())).toList()
                + (e.tiledDecode() > 0 ? ", tiled decode " + MemoryBudget.gb(e.tiledDecode()) : ""));
        if (rate == null) return;
        StringBuilder r = new StringBuilder("share of the matmul rate:");
        for (Map.Entry<String, Long> f : flops.entrySet()) {
            double stageMs = f.getKey().equals("denoise")
                    ? ms.entrySet().stream().filter(x -> x.getKey().startsWith("step_")).mapToDouble(Map.Entry::getValue).sum()
                    : ms.getOrDefault(f.getKey(), 0.0);
            if (f.getValue() > 1e9 && stageMs > 0) {
                r.append(String.format(Locale.ROOT, " %s %.0f%% (floor %.1f s)", f.getKey(),
                        100 * rate.floorSeconds(f.getValue() / 1e9) * 1000 / stageMs, rate.floorSeconds(f.getValue() / 1e9)));
            }
        }
        out.println(r);
        double floorS = rate.floorSeconds(total / 1e9);
        out.printf(Locale.ROOT, "end to end: %.1f s = %.2fx the FLOP floor of %.1f s at %.1f GFLOP/s%n", ms.get("total") / 1000,
                ms.get("total") / 1000 / floorS, floorS, rate.gflops());
    }

    private static int opt(Integer v, int d) {
        return v == null ? d : v;
    }

    static String format(Map<String, Double> m) {
        StringBuilder s = new StringBuilder();
        m.forEach((k, v) -> s.append(k).append('=').append(String.format(Locale.ROOT, "%.1f", v)).append(' '));
        return s.toString().trim();
    }

    /** VmHWM of this process (Linux), or "n/a". */
    static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return line.substring(6).trim();
            }
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
        return "n/a";
    }
}
