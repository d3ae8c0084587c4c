package dev.sprint.controlnet;

import dev.sprint.core.nn.Conv2d;
import dev.sprint.core.nn.LayerNorm;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.RMSNorm;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;

/**
 * The Sana building blocks the ControlNet copies (diffusers {@code SanaTransformerBlock} without qk-norm,
 * {@code PatchEmbed} without positional embedding, {@code AdaLayerNormSingle},
 * {@code PixArtAlphaTextProjection}). Written here because sprint-core's Sana transformer classes were
 * not available when this module was written; the math follows diffusers v0.35.2.
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

    /** One Sana transformer block: modulated linear self-attention, cross-attention, modulated GLUMBConv. */
    static final class Block {
        final LayerNorm norm1;
        final LayerNorm norm2;
        final Linear q1, k1, v1, out1;
        final Linear q2, k2, v2, out2;
        final Conv2d convInverted, convDepth, convPoint;
        final Tensor scaleShiftTable;
        final int dim;
        final int heads;
        final int crossHeads;
        final int crossHeadDim;

        Block(Weights w, SanaControlNetConfig c) {
            dim = c.innerDim();
            heads = c.numAttentionHeads();
            crossHeads = c.numCrossAttentionHeads();
            crossHeadDim = c.crossAttentionHeadDim();
            int crossInner = crossHeads * crossHeadDim;
            norm1 = new LayerNorm(w.sub("norm1"), dim, c.normEps(), false);
            norm2 = new LayerNorm(w.sub("norm2"), dim, c.normEps(), c.normElementwiseAffine());
            Weights a1 = w.sub("attn1");
            q1 = new Linear(a1.sub("to_q"), dim, dim, c.attentionBias());
            k1 = new Linear(a1.sub("to_k"), dim, dim, c.attentionBias());
            v1 = new Linear(a1.sub("to_v"), dim, dim, c.attentionBias());
            out1 = new Linear(a1.sub("to_out").sub(0), dim, dim, true);
            Weights a2 = w.sub("attn2");
            q2 = new Linear(a2.sub("to_q"), dim, crossInner, true);
            k2 = new Linear(a2.sub("to_k"), c.crossAttentionDim(), crossInner, true);
            v2 = new Linear(a2.sub("to_v"), c.crossAttentionDim(), crossInner, true);
            out2 = new Linear(a2.sub("to_out").sub(0), crossInner, dim, true);
            int hidden = (int) (c.mlpRatio() * dim);
            Weights ff = w.sub("ff");
            convInverted = new Conv2d(ff.sub("conv_inverted"), dim, 2L * hidden, 1, 1, 0, 1, true);
            convDepth = new Conv2d(ff.sub("conv_depth"), 2L * hidden, 2L * hidden, 3, 1, 1, 2 * hidden, true);
            convPoint = new Conv2d(ff.sub("conv_point"), hidden, dim, 1, 1, 0, 1, false);
            scaleShiftTable = w.take("scale_shift_table", 6, dim);
        }

        /**
         * @param x        tokens (B, N, D)
         * @param text     projected text (B, L, D)
         * @param maskBias additive text mask (B, 1, 1, L) or null
         * @param mod      modulation (B, 6D)
         */
        Tensor forward(Tensor x, Tensor text, Tensor maskBias, Tensor mod, int h, int w) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            java.util.List<Tensor> m = be.chunk(scaleShiftTable.reshape(1, 6, dim).add(mod.reshape(b, 6, dim)), 6, 1);
            Tensor shiftMsa = m.get(0), scaleMsa = m.get(1), gateMsa = m.get(2);
            Tensor shiftMlp = m.get(3), scaleMlp = m.get(4), gateMlp = m.get(5);

            Tensor n = norm1.forward(x).mul(scaleMsa.add(1.0)).add(shiftMsa);
            x = x.add(gateMsa.mul(linearAttention(n)));
            x = x.add(crossAttention(x, text, maskBias));

            n = norm2.forward(x).mul(scaleMlp.add(1.0)).add(shiftMlp);
            Tensor img = n.reshape(b, h, w, dim).permute(0, 3, 1, 2);
            Tensor y = be.silu(convInverted.forward(img));
            java.util.List<Tensor> g = be.chunk(convDepth.forward(y), 2, 1);
            y = convPoint.forward(g.get(0).mul(be.silu(g.get(1))));
            Tensor ff = y.reshape(b, dim, (long) h * w).transpose(1, 2);
            return x.add(gateMlp.mul(ff));
        }

        /** ReLU linear attention with the ones-row normaliser (eps 1e-15), heads over contiguous channel groups. */
        private Tensor linearAttention(Tensor x) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            long n = x.size(1);
            long hd = dim / heads;
            Tensor q = be.relu(q1.forward(x).transpose(1, 2).reshape(b, heads, hd, n));          // (B,H,hd,N)
            Tensor k = be.relu(k1.forward(x).transpose(1, 2).reshape(b, heads, hd, n)).transpose(2, 3); // (B,H,N,hd)
            Tensor v = v1.forward(x).transpose(1, 2).reshape(b, heads, hd, n);
            v = be.pad(v, new long[] {0, 0, 0, 1}, 1.0);                                           // (B,H,hd+1,N)
            Tensor o = v.matmul(k).matmul(q);                                                      // (B,H,hd+1,N)
            Tensor num = o.slice(2, 0, hd);
            Tensor den = o.slice(2, hd, hd + 1).add(1e-15);
            Tensor out = num.div(den).reshape(b, dim, n).transpose(1, 2);
            return out1.forward(out);
        }

        private Tensor crossAttention(Tensor x, Tensor text, Tensor maskBias) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            Tensor q = q2.forward(x).reshape(b, -1, crossHeads, crossHeadDim).transpose(1, 2);
            Tensor k = k2.forward(text).reshape(b, -1, crossHeads, crossHeadDim).transpose(1, 2);
            Tensor v = v2.forward(text).reshape(b, -1, crossHeads, crossHeadDim).transpose(1, 2);
            Tensor o = be.attention(q, k, v, maskBias, 1.0 / Math.sqrt(crossHeadDim));
            return out2.forward(o.transpose(1, 2).reshape(b, -1, (long) crossHeads * crossHeadDim));
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
