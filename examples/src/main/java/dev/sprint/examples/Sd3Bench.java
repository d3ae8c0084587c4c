package dev.sprint.examples;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.Backends;
import dev.sprint.backend.djl.DjlBackend;
import dev.sprint.core.io.SyntheticWeights;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.rng.TorchGenerator;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.mmdit.SD3Transformer2DModel;
import dev.sprint.swd.mmdit.SD3TransformerConfig;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.sampler.ScaleWiseSampler;
import dev.sprint.swd.sampler.Sd3Denoiser;
import dev.sprint.swd.sampler.SwdPreset;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * SwD vs plain flow-matching Euler on the real SD3.5-Medium transformer config with random weights (the
 * transformer is where all sampling time goes; text encoders and VAE cost the same for both samplers).
 * Every latent size the compared samplers visit is timed as one transformer step (median of --runs);
 * each sampler's total is the sum over its steps. With --loops the real sampler loops (upscales, noise,
 * mixing included) are also run end to end and timed, which checks the composed totals.
 */
final class Sd3Bench {
    private Sd3Bench() {}

    private record Sampler(String name, List<int[]> scales) {}

    static int run(Args a, PrintStream out) {
        int size = a.getInt("size") == null ? 1024 : a.getInt("size");
        if (size % 16 != 0 || size < 64) throw new CliException("--size must be a multiple of 16, at least 64");
        int runs = a.getInt("runs") == null ? 1 : a.getInt("runs");
        int textTokens = a.getInt("text-tokens") == null ? 77 + 256 : a.getInt("text-tokens");
        boolean loops = a.flag("loops");
        Integer threads = a.getInt("threads");
        String backendName = a.get("backend");
        a.rejectUnknown();
        SD3TransformerConfig c = SD3TransformerConfig.from(RealConfigBench.config("sd3.5-medium-transformer.json"));
        int last = size / 8;
        List<Sampler> samplers = new ArrayList<>();
        for (SwdPreset p : List.of(SwdPreset.MEDIUM_6_STEPS, SwdPreset.MEDIUM_4_STEPS_2026, SwdPreset.MEDIUM_4_STEPS_2025)) {
            samplers.add(new Sampler("SwD " + p.name().toLowerCase(Locale.ROOT), p.schedule(last, last, c.patchSize()).scales()));
        }
        for (int n : new int[] {6, 4}) {
            List<int[]> s = new ArrayList<>();
            for (int i = 0; i < n; i++) s.add(new int[] {last, last});
            samplers.add(new Sampler("Euler " + n + " steps", s));
        }
        TreeMap<Integer, Double> stepMs = new TreeMap<>();
        for (Sampler s : samplers) for (int[] hw : s.scales()) stepMs.put(hw[0], Double.NaN);

        TensorBackend be = (TensorBackend) Backends.select(backendName)
                .open(new BackendOptions("cpu", false, null, threads == null ? 0 : threads, null));
        out.printf(Locale.ROOT, "SD3.5-Medium transformer (random weights), final %dx%d px, %d text tokens, on %s (%s)%n",
                size, size, textTokens, be.name(), be.device());
        try (be) {
            long t0 = System.nanoTime();
            SD3Transformer2DModel m = new SD3Transformer2DModel(c, new Weights(new SyntheticWeights(n -> true, 5), be), null);
            out.printf(Locale.ROOT, "build (random weights): %.0f ms, peak RSS so far %s%n", (System.nanoTime() - t0) / 1e6, Bench.peakRss());
            TorchGenerator g = new TorchGenerator(1);
            Tensor text = be.fromFloats(g.randn(new long[] {1, textTokens, c.jointAttentionDim()}), 1, textTokens, c.jointAttentionDim());
            Tensor pooled = be.fromFloats(g.randn(new long[] {1, c.pooledProjectionDim()}), 1, c.pooledProjectionDim());
            // warm-up at the smallest size (first-call costs: allocator, kernels)
            step(be, m, stepMs.firstKey(), c.inChannels(), text, pooled);
            for (int side : stepMs.keySet()) {
                double[] ms = new double[runs];
                double outside = Double.NaN;
                for (int r = 0; r < runs; r++) {
                    long k0 = be instanceof DjlBackend d ? d.kernelNanos() : 0;
                    long s0 = System.nanoTime();
                    step(be, m, side, c.inChannels(), text, pooled);
                    long wall = System.nanoTime() - s0;
                    ms[r] = wall / 1e6;
                    if (be instanceof DjlBackend d) outside = 1.0 - (double) (d.kernelNanos() - k0) / wall;
                }
                Arrays.sort(ms);
                stepMs.put(side, ms[runs / 2]);
                int tokens = (side / c.patchSize()) * (side / c.patchSize());
                out.printf(Locale.ROOT, "  step at latent %3dx%-3d (%4d px, %5d image tokens): %10.1f ms%s   model %.2f TFLOP%n", side, side,
                        side * 8, tokens, ms[runs / 2],
                        Double.isNaN(outside) ? "" : String.format(Locale.ROOT, "  outside kernels %.2f%%", 100 * outside),
                        flops(c, tokens, textTokens) / 1e12);
            }
            out.println();
            out.printf(Locale.ROOT, "%-28s %-26s %12s %10s %10s%n", "sampler", "latent sides", "total ms", "speedup", "FLOP ratio");
            double euler6 = 6 * stepMs.get(last);
            double euler6Flops = 6 * flops(c, (last / 2) * (last / 2), textTokens);
            for (Sampler s : samplers) {
                double total = 0;
                double f = 0;
                StringBuilder sides = new StringBuilder();
                for (int[] hw : s.scales()) {
                    total += stepMs.get(hw[0]);
                    f += flops(c, (hw[0] / 2) * (hw[1] / 2), textTokens);
                    sides.append(sides.length() == 0 ? "" : ",").append(hw[0]);
                }
                out.printf(Locale.ROOT, "%-28s %-26s %12.0f %9.2fx %9.2fx%n", s.name(), sides, total, euler6 / total, euler6Flops / f);
            }
            out.println("speedup and FLOP ratio are against plain Euler with 6 steps at the final size; totals are sums of the"
                    + " per-size step times above (the sampler arithmetic between steps is negligible, see --loops)");
            if (loops) runLoops(out, be, m, c, samplers, text, pooled);
            m.close();
        }
        out.println("peak RSS: " + Bench.peakRss());
        return 0;
    }

    /** Runs each sampler's real loop once (noise, upscaling and mixing included) and prints its wall time. */
    private static void runLoops(PrintStream out, TensorBackend be, SD3Transformer2DModel m, SD3TransformerConfig c,
                                 List<Sampler> samplers, Tensor text, Tensor pooled) {
        out.println("real sampler loops (one run each):");
        Sd3Denoiser d = new Sd3Denoiser(m, text, pooled);
        for (Sampler s : samplers) {
            TorchGenerator g = new TorchGenerator(7, TorchGenerator.CpuCapability.AVX2);
            long t0 = System.nanoTime();
            try (Scope scope = be.newScope()) {
                if (s.name().startsWith("SwD")) {
                    SwdPreset p = SwdPreset.parse(s.name().substring(4));
                    int[] last = s.scales().get(s.scales().size() - 1);
                    ScaleSchedule table = p.schedule(last[0], last[1], c.patchSize());
                    be.toFloats(ScaleWiseSampler.sample(be, table, 1, c.inChannels(), d, g::randn, null));
                } else {
                    int n = s.scales().size();
                    int side = s.scales().get(0)[0];
                    long[] shape = {1, c.inChannels(), side, side};
                    Tensor init = be.fromFloats(g.randn(shape), shape);
                    be.toFloats(FlowMatchEulerScheduler.sample(be, init, new FlowMatchEulerScheduler(
                            new FlowMatchEulerScheduler.FlowMatchEulerConfig(1000, 3.0, null, false)).schedule(n), d, null));
                }
            }
            out.printf(Locale.ROOT, "  %-28s %12.0f ms%n", s.name(), (System.nanoTime() - t0) / 1e6);
        }
    }

    private static void step(TensorBackend be, SD3Transformer2DModel m, int side, int channels, Tensor text, Tensor pooled) {
        try (Scope s = be.newScope()) {
            long[] shape = {1, channels, side, side};
            Tensor x = be.fromFloats(new TorchGenerator(side).randn(shape), shape);
            be.toFloats(m.forward(x, new float[] {500f}, text, pooled));
        }
    }

    /**
     * Multiply-add FLOPs (×2) of one transformer pass for n image and t text tokens: per block the image
     * stream's q/k/v/out and 4× MLP (12·D² per token), the text stream's (only q/k/v in the last,
     * context-only block), joint attention 2·(n+t)²·D·2, and the dual layers' image-only attention.
     */
    static double flops(SD3TransformerConfig c, long n, long t) {
        double d = c.innerDim();
        double f = 0;
        for (int i = 0; i < c.numLayers(); i++) {
            boolean lastBlock = i == c.numLayers() - 1;
            f += 12 * d * d * n * 2;
            f += (lastBlock ? 3 : 12) * d * d * t * 2;
            f += 2.0 * (n + t) * (n + t) * d * 2;
            if (c.isDualAttention(i)) f += 4 * d * d * n * 2 + 2.0 * n * n * d * 2;
        }
        return f;
    }
}
