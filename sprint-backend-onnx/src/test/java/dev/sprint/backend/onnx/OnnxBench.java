package dev.sprint.backend.onnx;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * A CPU micro benchmark (a command, not a test): first call (session creation + run) versus steady
 * state for a synthetic transformer stack (norms, attention, GELU-tanh MLP) and a conv stack (conv3×3,
 * SiLU, RMS-norm over channels), with the fused kernels the backend emits versus the same math spelled
 * out in primitives; or ({@code models}) the tiny golden Gemma-2, Sana transformer and DC-AE decoder. Run:
 * {@code java -Dsprint.golden.dir=golden -cp <test classpath> dev.sprint.backend.onnx.OnnxBench [threads] [runs] [all|transformer|conv|models]}.
 */
public final class OnnxBench {
    private OnnxBench() {}

    private static HostTensor rand(SplittableRandom r, double scale, long... shape) {
        float[] v = new float[(int) HostTensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return HostTensor.ofFloats(v, shape);
    }

    /** Norms and activations, fused (the backend's overrides) or spelled out in primitives. */
    private record Ops(TensorBackend be, boolean fused) {
        Tensor layerNorm(Tensor x, Tensor w, Tensor b) {
            if (fused) return be.layerNorm(x, w, b, 1e-6);
            Tensor d = be.sub(x, be.mean(x, -1, true));
            Tensor y = be.mul(d, be.rsqrt(be.addScalar(be.mean(be.mul(d, d), -1, true), 1e-6)));
            return be.add(be.mul(y, w), b);
        }

        Tensor rmsNorm(Tensor x, Tensor w) {
            if (fused) return be.rmsNorm(x, w, 1e-6);
            return be.mul(be.mul(x, be.rsqrt(be.addScalar(be.mean(be.mul(x, x), -1, true), 1e-6))), w);
        }

        Tensor geluTanh(Tensor x) {
            if (fused) return be.geluTanh(x);
            Tensor inner = be.mulScalar(be.add(x, be.mulScalar(be.mul(be.mul(x, x), x), 0.044715)), Math.sqrt(2 / Math.PI));
            return be.mul(be.mulScalar(x, 0.5), be.addScalar(be.tanh(inner), 1));
        }

        Tensor silu(Tensor x) {
            return fused ? be.silu(x) : be.mul(x, be.sigmoid(x));
        }
    }

    static Function<List<Tensor>, List<Tensor>> transformer(TensorBackend be, boolean fused, int blocks, int c, int heads) {
        SplittableRandom r = new SplittableRandom(1);
        Ops ops = new Ops(be, fused);
        List<Tensor[]> ws = new ArrayList<>();
        double s = 1 / Math.sqrt(c);
        for (int i = 0; i < blocks; i++) {
            ws.add(new Tensor[] {
                be.weight(rand(r, 1, c)), be.weight(rand(r, 0.1, c)), // ln
                be.weight(rand(r, s, 3L * c, c)), be.weight(rand(r, s, c, c)), be.weight(rand(r, 0.1, c)), // qkv, out
                be.weight(rand(r, 1, c)), // rms
                be.weight(rand(r, s, 4L * c, c)), be.weight(rand(r, 0.1, 4L * c)),
                be.weight(rand(r, s / 2, c, 4L * c)), be.weight(rand(r, 0.1, c))});
        }
        return in -> {
            Tensor x = in.get(0);
            long b = x.size(0);
            long l = x.size(1);
            int d = c / heads;
            for (Tensor[] w : ws) {
                Tensor h = ops.layerNorm(x, w[0], w[1]);
                Tensor qkv = be.linear(h, w[2], null).reshape(b, l, 3, heads, d).permute(2, 0, 3, 1, 4);
                Tensor q = be.slice(qkv, 0, 0, 1).reshape(b, heads, l, d);
                Tensor k = be.slice(qkv, 0, 1, 2).reshape(b, heads, l, d);
                Tensor v = be.slice(qkv, 0, 2, 3).reshape(b, heads, l, d);
                Tensor a = be.attention(q, k, v, null, 1 / Math.sqrt(d)).permute(0, 2, 1, 3).reshape(b, l, c);
                x = be.add(x, be.linear(a, w[3], w[4]));
                h = ops.rmsNorm(x, w[5]);
                x = be.add(x, be.linear(ops.geluTanh(be.linear(h, w[6], w[7])), w[8], w[9]));
            }
            return List.of(x);
        };
    }

    static Function<List<Tensor>, List<Tensor>> convs(TensorBackend be, boolean fused, int layers, int c) {
        SplittableRandom r = new SplittableRandom(2);
        Ops ops = new Ops(be, fused);
        List<Tensor[]> ws = new ArrayList<>();
        for (int i = 0; i < layers; i++) {
            ws.add(new Tensor[] {be.weight(rand(r, 1 / Math.sqrt(9.0 * c), c, c, 3, 3)), be.weight(rand(r, 0.1, c)),
                be.weight(rand(r, 1, c))});
        }
        int[] one = {1, 1};
        return in -> {
            Tensor x = in.get(0);
            for (Tensor[] w : ws) {
                Tensor y = be.conv2d(x, w[0], w[1], one, one, one, 1);
                y = ops.rmsNorm(y.permute(0, 2, 3, 1), w[2]).permute(0, 3, 1, 2); // DC-AE style channel RMS norm
                x = be.add(x, ops.silu(y));
            }
            return List.of(x);
        };
    }

    private static void time(OnnxBackend be, String name, HostTensor input, Function<List<Tensor>, List<Tensor>> fn,
                             int runs) {
        long t0 = System.nanoTime();
        be.toFloats(be.call(name, List.of(be.upload(input, be.floatType())), fn).get(0));
        double first = (System.nanoTime() - t0) / 1e6;
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            be.toFloats(be.call(name, List.of(be.upload(input, be.floatType())), fn).get(0));
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("%-22s first call %8.1f ms   steady median %7.1f ms (min %.1f)%n", name, first, ms[runs / 2], ms[0]);
    }

    private static void time(String what, int runs, java.util.function.Supplier<float[]> f) {
        long t0 = System.nanoTime();
        f.get();
        double first = (System.nanoTime() - t0) / 1e6;
        double[] ms = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            f.get();
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("%-40s first call %8.1f ms   steady median %7.2f ms (min %.2f)%n", what, first, ms[runs / 2], ms[0]);
    }

    /** The tiny golden models (golden/sana-sprint/model): Gemma-2, the Sana transformer, DC-AE decode. */
    static void models(OnnxBackend be, int runs) {
        java.nio.file.Path sana = dev.sprint.core.testing.Golden.sana();
        var g = dev.sprint.core.testing.Golden.load(sana.resolve("cases/encode_prompt_chi.safetensors"));
        try (var gemma = dev.sprint.core.gemma.Gemma2Model.load(sana.resolve("model/text_encoder"), be)) {
            long[][] ids = Golden.rows(g.get("input_ids_full"));
            long[][] mask = Golden.rows(g.get("attention_mask_full"));
            time("gemma2 encode_prompt_chi L=" + ids[0].length, runs, () -> be.toFloats(gemma.forward(ids, mask)));
        }
        var t = dev.sprint.core.testing.Golden.load(sana.resolve("cases/transformer_b1_sampler_t0.safetensors"));
        try (var tf = dev.sprint.core.sana.SanaTransformer2DModel.load(sana.resolve("model/transformer"), be)) {
            time("sana transformer b1 step", runs, () -> be.toFloats(tf.forward(be.upload(t.get("hidden_states"), be.floatType()),
                    t.get("timestep").toFloats(), t.get("guidance").toFloats(),
                    be.upload(t.get("encoder_hidden_states"), be.floatType()), Golden.rows(t.get("encoder_attention_mask")), null)));
        }
        var v = dev.sprint.core.testing.Golden.load(sana.resolve("cases/vae_decode_a.safetensors"));
        try (var vae = dev.sprint.core.dcae.AutoencoderDC.load(sana.resolve("model/vae"), be)) {
            time("dc-ae decode " + Arrays.toString(v.get("latent").shape()), runs,
                    () -> be.toFloats(vae.decode(be.upload(v.get("latent"), be.floatType()))));
        }
    }

    /** Arguments: [threads (0 = ORT default)] [steady-state runs] [all|transformer|conv|models]. */
    public static void main(String[] args) {
        int threads = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        String which = args.length > 2 ? args[2] : "all";
        try (OnnxBackend be = (OnnxBackend) new OnnxBackendProvider().open(
                new BackendOptions("cpu", true, null, threads,
                        Map.of("onnx.prepackWeights", System.getProperty("prepack", "true"))))) {
            if (which.equals("models")) {
                models(be, runs);
                System.out.println(be.sessionStats().replace("; ", "\n  "));
                return;
            }
            SplittableRandom r = new SplittableRandom(3);
            HostTensor seq = rand(r, 1, 1, 256, 384);
            HostTensor img = rand(r, 1, 1, 64, 64, 64);
            for (boolean fused : new boolean[] {false, true}) {
                String tag = fused ? "fused" : "composite";
                if (!which.equals("conv")) time(be, "transformer-" + tag, seq, transformer(be, fused, 4, 384, 6), runs);
                if (!which.equals("transformer")) time(be, "convs-" + tag, img, convs(be, fused, 4, 64), runs);
            }
            System.out.println(be.sessionStats());
        }
    }
}
