package dev.sprint.core.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.TestFolders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Test fixture: a random LoRA for chosen modules of a base checkpoint (shapes taken from the base: A (r, in) and
 * B (out, r) for a linear weight, A (r, in, kh, kw) and B (out, r, 1, 1) for a convolution), written in each format
 * Sprint reads, and the check that a fused source equals {@code W + Σ s·(alpha/r)·B·A} on every targeted weight
 * (computed here in float64) and the base's own bytes everywhere else.
 */
public final class RandomLora {
    private final Map<String, float[]> a = new LinkedHashMap<>();
    private final Map<String, float[]> b = new LinkedHashMap<>();
    private final Map<String, long[]> aShape = new LinkedHashMap<>();
    private final Map<String, long[]> bShape = new LinkedHashMap<>();
    private final int rank;
    private final Double alpha;

    private RandomLora(int rank, Double alpha) {
        this.rank = rank;
        this.alpha = alpha;
    }

    /**
     * @param modules module names (weights {@code <module>.weight} of the base)
     * @param alpha   the adapter's alpha, or null for none (alpha = r)
     */
    public static RandomLora of(WeightSource base, List<String> modules, int rank, Double alpha, long seed) {
        RandomLora l = new RandomLora(rank, alpha);
        Random rnd = new Random(seed);
        for (String m : modules) {
            long[] w = base.get(m + ".weight").shape();
            long[] as = w.length == 4 ? new long[] {rank, w[1], w[2], w[3]} : new long[] {rank, w[1]};
            long[] bs = w.length == 4 ? new long[] {w[0], rank, 1, 1} : new long[] {w[0], rank};
            l.aShape.put(m, as);
            l.bShape.put(m, bs);
            l.a.put(m, gaussian(rnd, HostTensor.numel(as), 0.3));
            l.b.put(m, gaussian(rnd, HostTensor.numel(bs), 0.3));
        }
        return l;
    }

    private static float[] gaussian(Random rnd, long n, double std) {
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) v[i] = (float) (rnd.nextGaussian() * std);
        return v;
    }

    /** alpha / r (1 without alpha). */
    public double factor() {
        return alpha == null ? 1.0 : alpha / rank;
    }

    public List<String> modules() {
        return List.copyOf(a.keySet());
    }

    /** diffusers' {@code save_lora_weights} layout: {@code dir/pytorch_lora_weights.safetensors}, {@code transformer.<m>.lora_A.weight}, alphas as {@code .alpha} keys. */
    public Path writeDiffusers(Path dir) {
        return writeDiffusers(dir, true, Map.of());
    }

    /**
     * diffusers' layout with the alphas as {@code .alpha} keys or not at all (then the caller puts them in an
     * adapter_config.json or the header metadata), and header metadata.
     */
    public Path writeDiffusers(Path dir, boolean alphaKeys, Map<String, String> metadata) {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        for (String m : a.keySet()) {
            t.put("transformer." + m + ".lora_A.weight", HostTensor.ofFloats(a.get(m), aShape.get(m)));
            t.put("transformer." + m + ".lora_B.weight", HostTensor.ofFloats(b.get(m), bShape.get(m)));
            if (alphaKeys && alpha != null) t.put("transformer." + m + ".alpha", scalar(alpha));
        }
        return write(dir.resolve("pytorch_lora_weights.safetensors"), t, metadata);
    }

    /** PEFT's folder: {@code adapter_model.safetensors} ({@code base_model.model.<m>.lora_A.weight}) + {@code adapter_config.json}. */
    public Path writePeft(Path dir) {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        for (String m : a.keySet()) {
            t.put("base_model.model." + m + ".lora_A.weight", HostTensor.ofFloats(a.get(m), aShape.get(m)));
            t.put("base_model.model." + m + ".lora_B.weight", HostTensor.ofFloats(b.get(m), bShape.get(m)));
        }
        write(dir.resolve("adapter_model.safetensors"), t, Map.of());
        writeText(dir.resolve("adapter_config.json"), config());
        return dir;
    }

    /** The adapter_config.json of this adapter ({@code r}, {@code lora_alpha} when it has one). */
    public String config() {
        return "{\"peft_type\": \"LORA\", \"r\": " + rank + (alpha == null ? "" : ", \"lora_alpha\": " + alpha)
                + ", \"target_modules\": [\"to_q\"]}";
    }

    /** kohya's layout: {@code lora_transformer_<m with _>.lora_down.weight} / {@code .lora_up.weight} / {@code .alpha} (a 0-d tensor). */
    public Path writeKohya(Path file, String prefix) {
        Map<String, HostTensor> t = new LinkedHashMap<>();
        for (String m : a.keySet()) {
            String k = prefix + m.replace('.', '_');
            t.put(k + ".lora_down.weight", HostTensor.ofFloats(a.get(m), aShape.get(m)));
            t.put(k + ".lora_up.weight", HostTensor.ofFloats(b.get(m), bShape.get(m)));
            if (alpha != null) t.put(k + ".alpha", scalar(alpha));
        }
        return write(file, t, Map.of());
    }

    private static HostTensor scalar(double v) {
        return HostTensor.ofFloats(new float[] {(float) v});
    }

    static Path write(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        TestFolders.writeSafetensors(file, tensors, metadata);
        return file;
    }

    static void writeText(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Every weight of {@code fused} against {@code base}: a weight some adapter targets equals
     * {@code W + Σ scales[i]·factor_i·B_i·A_i} (float64 here, float32 there: within 1e-5 relative), every other
     * tensor is byte for byte the base's. Returns how many weights were adapted.
     */
    public static int assertFused(WeightSource base, WeightSource fused, List<RandomLora> adapters, double[] scales) {
        assertEquals(base.names(), fused.names(), "the fused source has the base's tensors");
        int adapted = 0;
        for (String n : base.names()) {
            double[] delta = null;
            for (int i = 0; i < adapters.size(); i++) {
                RandomLora l = adapters.get(i);
                String m = n.endsWith(".weight") ? n.substring(0, n.length() - ".weight".length()) : null;
                if (m == null || !l.a.containsKey(m) || scales[i] == 0) continue;
                double[] d = l.delta(m);
                if (delta == null) delta = new double[d.length];
                double f = scales[i] * l.factor();
                for (int j = 0; j < d.length; j++) delta[j] += f * d[j];
            }
            HostTensor got = fused.get(n);
            HostTensor want = base.get(n);
            assertArrayEquals(want.shape(), got.shape(), n + " shape");
            if (delta == null) {
                assertEquals(want.dtype(), got.dtype(), n + " dtype");
                assertEquals(bytes(want), bytes(got), n + " is the base's own bytes");
                continue;
            }
            adapted++;
            float[] w = want.toFloats();
            float[] g = got.toFloats();
            boolean changed = false;
            for (int j = 0; j < w.length; j++) {
                double e = w[j] + delta[j];
                if (Math.abs(g[j] - e) > 1e-5 * Math.max(1, Math.abs(e))) {
                    fail(n + "[" + j + "]: fused " + g[j] + ", W + Σ s·(alpha/r)·B·A = " + e + " (W " + w[j] + ")");
                }
                changed |= g[j] != w[j];
            }
            assertTrue(changed, n + " was changed");
        }
        return adapted;
    }

    /** B·A of a module in float64, laid out as its weight. */
    double[] delta(String m) {
        float[] av = a.get(m);
        float[] bv = b.get(m);
        int out = (int) bShape.get(m)[0];
        int in = av.length / rank;
        double[] d = new double[out * in];
        for (int o = 0; o < out; o++) {
            for (int k = 0; k < rank; k++) {
                for (int i = 0; i < in; i++) d[o * in + i] += (double) bv[o * rank + k] * av[k * in + i];
            }
        }
        return d;
    }

    private static ByteBuffer bytes(HostTensor t) {
        return t.data().duplicate();
    }
}
