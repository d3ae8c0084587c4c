package dev.sprint.controlnet;

import dev.sprint.core.nn.Conv2d;
import dev.sprint.core.nn.LayerNorm;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.RMSNorm;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;

/**
 * The small Sana pieces the ControlNet needs besides the transformer blocks (which are sprint-core's
 * {@code SanaTransformerBlock}): {@code PatchEmbed} without positional embedding,
 * {@code AdaLayerNormSingle}, {@code PixArtAlphaTextProjection}; the math follows diffusers v0.35.2.
 */
final class SanaBlocks {
    private SanaBlocks() {}

    /**
     * {@code Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0)} on the host in float32 steps
     * as torch does: freq_i = exp(−ln(10000)·i/128), arg = t·freq, then [cos(arg) | sin(arg)].
     */
    static float[] timestepProjection(float[] t, int channels) {
        int half = channels / 2;
        float[] freqs = new float[half];
        float logMax = (float) -Math.log(10000.0);
        for (int i = 0; i < half; i++) {
            float e = logMax * (float) i / (float) half;
            freqs[i] = (float) Math.exp(e);
        }
        float[] out = new float[t.length * channels];
        for (int b = 0; b < t.length; b++) {
            for (int i = 0; i < half; i++) {
                float arg = t[b] * freqs[i];
                out[b * channels + i] = (float) Math.cos(arg);
                out[b * channels + half + i] = (float) Math.sin(arg);
            }
        }
        return out;
    }

    /** {@code PatchEmbed} (patch conv + flatten to tokens), Sana's variant without positional embedding. */
    static final class PatchEmbed {
        final Conv2d proj;

        PatchEmbed(Weights w, int in, int dim, int patch) {
            proj = new Conv2d(w.sub("proj"), in, dim, patch, patch, 0, 1, true);
        }

        /** (B, C, H, W) → (B, H/p·W/p, D). */
        Tensor forward(Tensor x) {
            Tensor y = proj.forward(x);
            long[] s = y.shape();
            return y.reshape(s[0], s[1], s[2] * s[3]).transpose(1, 2);
        }
    }

    /** {@code AdaLayerNormSingle}: timestep MLP → (SiLU → Linear 6D, embedded timestep). */
    static final class AdaLayerNormSingle {
        final Linear linear1;
        final Linear linear2;
        final Linear linear;
        final int dim;

        AdaLayerNormSingle(Weights w, int dim) {
            Weights te = w.sub("emb").sub("timestep_embedder");
            linear1 = new Linear(te.sub("linear_1"), 256, dim, true);
            linear2 = new Linear(te.sub("linear_2"), dim, dim, true);
            linear = new Linear(w.sub("linear"), dim, 6L * dim, true);
            this.dim = dim;
        }

        /** Returns {modulation (B, 6D), embedded timestep (B, D)}. */
        Tensor[] forward(Tensor timestepProj) {
            TensorBackend be = timestepProj.backend();
            Tensor emb = linear2.forward(be.silu(linear1.forward(timestepProj)));
            return new Tensor[] {linear.forward(be.silu(emb)), emb};
        }
    }

    /** {@code PixArtAlphaTextProjection} (Linear, GELU-tanh, Linear) followed by the caption RMSNorm. */
    static final class CaptionProjection {
        final Linear linear1;
        final Linear linear2;
        final RMSNorm norm;

        CaptionProjection(Weights root, int captionChannels, int dim) {
            Weights p = root.sub("caption_projection");
            linear1 = new Linear(p.sub("linear_1"), captionChannels, dim, true);
            linear2 = new Linear(p.sub("linear_2"), dim, dim, true);
            norm = new RMSNorm(root.sub("caption_norm"), dim, 1e-5, true);
        }

        Tensor forward(Tensor text) {
            return norm.forward(linear2.forward(text.backend().geluTanh(linear1.forward(text))));
        }
    }

    /** diffusers' mask → bias: (1 − mask)·(−10000), shaped (B, 1, 1, L) for (B, heads, Lq, L) scores. */
    static Tensor maskBias(TensorBackend be, long[][] mask) {
        if (mask == null) return null;
        int b = mask.length;
        int l = mask[0].length;
        float[] v = new float[b * l];
        for (int i = 0; i < b; i++) {
            if (mask[i].length != l) throw new IllegalArgumentException("ragged attention mask");
            for (int j = 0; j < l; j++) v[i * l + j] = (1 - mask[i][j]) * -10000f;
        }
        return be.fromFloats(v, b, 1, 1, l);
    }
}
