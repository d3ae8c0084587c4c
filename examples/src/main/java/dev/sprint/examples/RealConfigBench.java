package dev.sprint.examples;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.Backends;
import dev.sprint.backend.djl.DjlBackend;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.dcae.AutoencoderDCConfig;
import dev.sprint.core.gemma.Gemma2Config;
import dev.sprint.core.gemma.Gemma2Model;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.SyntheticWeights;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.sana.SanaTransformer2DModel;
import dev.sprint.core.sana.SanaTransformerConfig;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Stage timings of the real SANA-Sprint configs with random weights (cost does not depend on weight
 * values). Each stage is built, warmed up, timed and freed before the next.
 */
final class RealConfigBench {
    private RealConfigBench() {}

    static int run(Args a, String config, PrintStream out) {
        String cfgName = switch (config.toLowerCase(Locale.ROOT)) {
            case "0.6b" -> "sana-sprint-0.6b-transformer.json";
            case "1.6b" -> "sana-sprint-1.6b-transformer.json";
            default -> throw new CliException("--config must be 0.6b or 1.6b");
        };
        int size = a.getInt("size") == null ? 512 : a.getInt("size");
        if (size % 32 != 0) throw new CliException("--size must be a multiple of 32");
        String stagesArg = a.get("stages");
        List<String> stages = Arrays.asList((stagesArg == null ? "transformer,decoder" : stagesArg).split(","));
        int runs = a.getInt("runs") == null ? 1 : a.getInt("runs");
        Integer threads = a.getInt("threads");
        String backendName = a.get("backend");
        java.util.Map<String, String> extra = backendOptions(a);
        dev.sprint.api.Precision precision = SprintCli.precision(a);
        a.rejectUnknown();
        TensorBackend be = (TensorBackend) Backends.select(backendName)
                .open(new BackendOptions("cpu", false, precision, threads == null ? 0 : threads, extra));
        out.printf(Locale.ROOT, "bench %s at %dx%d on %s (%s), random weights, %d run(s) after a warm-up%n",
                config, size, size, be.name(), be.device(), runs);
        int latent = size / 32;
        try (be) {
            for (String stage : stages) {
                switch (stage.trim()) {
                    case "transformer" -> {
                        SanaTransformerConfig c = SanaTransformerConfig.from(config(cfgName));
                        long t0 = System.nanoTime();
                        SanaTransformer2DModel m = new SanaTransformer2DModel(c, new Weights(new SyntheticWeights(n -> true, 1), be), null);
                        double load = (System.nanoTime() - t0) / 1e6;
                        Tensor x = be.latents(new float[c.inChannels() * latent * latent], 1, c.inChannels(), latent, latent);
                        Tensor text = be.fromFloats(new float[300 * c.captionChannels()], 1, 300, c.captionChannels());
                        long[][] mask = new long[1][300];
                        Arrays.fill(mask[0], 1);
                        time(out, be, "transformer step (latent " + latent + "², 300 tokens)", load, runs,
                                () -> m.forward(x, new float[] {0.9f}, new float[] {0.45f}, text, mask, null));
                        m.close();
                    }
                    case "controlnet" -> {
                        // SanaControlNetModel over the same width: 7 copied blocks (NVlabs' copy_blocks_num)
                        JsonObject j = config(cfgName).json().deepCopy();
                        j.addProperty("num_layers", 7);
                        j.addProperty("_class_name", "SanaControlNetModel");
                        dev.sprint.controlnet.SanaControlNetConfig c =
                                dev.sprint.controlnet.SanaControlNetConfig.from(new Config(j, cfgName + " (controlnet)"));
                        long t0 = System.nanoTime();
                        dev.sprint.controlnet.SanaControlNetModel m =
                                new dev.sprint.controlnet.SanaControlNetModel(c, new Weights(new SyntheticWeights(n -> true, 4), be), null);
                        double load = (System.nanoTime() - t0) / 1e6;
                        Tensor x = be.latents(new float[c.inChannels() * latent * latent], 1, c.inChannels(), latent, latent);
                        Tensor cond = be.fromFloats(new float[c.inChannels() * latent * latent], 1, c.inChannels(), latent, latent);
                        Tensor text = be.fromFloats(new float[300 * c.captionChannels()], 1, 300, c.captionChannels());
                        time(out, be, "ControlNet (7 blocks, latent " + latent + "²)", load, runs,
                                () -> m.forward(x, text, new float[] {500f}, cond, 1.0, null).get(0));
                        m.close();
                    }
                    case "decoder" -> {
                        AutoencoderDCConfig c = AutoencoderDCConfig.from(config("dc-ae-f32c32-sana-1.1.json"));
                        long t0 = System.nanoTime();
                        AutoencoderDC m = new AutoencoderDC(c, new Weights(new SyntheticWeights(n -> true, 2), be), null);
                        double load = (System.nanoTime() - t0) / 1e6;
                        Tensor z = be.latents(new float[32 * latent * latent], 1, 32, latent, latent); // float32 under bf16, as the pipeline hands them over
                        time(out, be, "DC-AE decode (" + size + "²)", load, runs, () -> m.decode(z));
                        m.close();
                    }
                    case "text" -> {
                        Gemma2Config c = Gemma2Config.from(config("gemma-2-2b.json"));
                        long t0 = System.nanoTime();
                        Gemma2Model m = new Gemma2Model(c, new Weights(new SyntheticWeights(n -> !n.endsWith(".bias"), 3), be), null);
                        double load = (System.nanoTime() - t0) / 1e6;
                        long[][] ids = new long[1][506];
                        long[][] mask = new long[1][506];
                        for (int i = 0; i < 506; i++) {
                            ids[0][i] = 2 + (i * 7919L) % 255000;
                            mask[0][i] = 1;
                        }
                        time(out, be, "Gemma-2-2B encoder (506 tokens)", load, runs, () -> m.forward(ids, mask));
                        m.close();
                    }
                    default -> throw new CliException("unknown stage '" + stage + "' (transformer, controlnet, decoder, text)");
                }
            }
        }
        out.println("peak RSS: " + Bench.peakRss());
        return 0;
    }

    private static void time(PrintStream out, TensorBackend be, String what, double buildMs, int runs, Supplier<Tensor> f) {
        double first;
        try (Scope s = be.newScope()) {
            long t0 = System.nanoTime();
            be.toFloats(f.get());
            first = (System.nanoTime() - t0) / 1e6;
        }
        double[] ms = new double[runs];
        double overhead = Double.NaN;
        for (int i = 0; i < runs; i++) {
            try (Scope s = be.newScope()) {
                long k0 = be instanceof DjlBackend d ? d.kernelNanos() : 0;
                long t0 = System.nanoTime();
                be.toFloats(f.get());
                long wall = System.nanoTime() - t0;
                ms[i] = wall / 1e6;
                if (be instanceof DjlBackend d) overhead = 1.0 - (double) (d.kernelNanos() - k0) / wall;
            }
        }
        Arrays.sort(ms);
        out.printf(Locale.ROOT, "  %-45s build %8.0f ms  first %9.1f ms  median %9.1f ms%s%n", what, buildMs, first,
                ms[runs / 2], Double.isNaN(overhead) ? "" : String.format(Locale.ROOT, "  outside kernels %.2f%%", 100 * overhead));
    }

    /** {@code --backend-option K=V} (repeatable). */
    static java.util.Map<String, String> backendOptions(Args a) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (String kv : a.all("backend-option")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new CliException("--backend-option takes KEY=VALUE, got '" + kv + "'");
            m.put(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        return m;
    }

    /** A config JSON bundled under {@code bench-configs/}. */
    static Config config(String resource) {
        try (InputStream in = RealConfigBench.class.getResourceAsStream("/bench-configs/" + resource)) {
            if (in == null) throw new CliException("missing bench config " + resource);
            JsonObject o = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8)).getAsJsonObject();
            return new Config(o, "bench-configs/" + resource);
        } catch (java.io.IOException e) {
            throw new CliException("cannot read bench config " + resource + ": " + e.getMessage());
        }
    }
}
