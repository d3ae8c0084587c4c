package dev.sprint.core.sana;

import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Conv2d;
import dev.sprint.core.nn.LayerNorm;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.RMSNorm;
import dev.sprint.core.nn.ModelLoader;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code SanaTransformer2DModel}: patch embedding, caption projection (+ RMSNorm), timestep
 * (and, for SANA-Sprint, guidance) embedding with AdaLN-single modulation, transformer blocks (ReLU
 * linear self-attention with the ones-row normaliser, cross-attention with a −10000 text-mask bias,
 * GLUMBConv Mix-FFN; optional q/k RMSNorm across heads), modulated final norm and unpatchify.
 * Field names follow the checkpoint's weight names.
 */
public final class SanaTransformer2DModel implements AutoCloseable {
    private final SanaTransformerConfig config;
    private final TensorBackend backend;
    private final WeightSource source;
    public final Conv2d patchEmbed;
    public final TimestepEmbedding timestepEmbedder;
    public final TimestepEmbedding guidanceEmbedder;
    public final Linear timeLinear;
    public final Linear captionLinear1;
    public final Linear captionLinear2;
    public final RMSNorm captionNorm;
    public final List<SanaTransformerBlock> transformerBlocks;
    public final Tensor scaleShiftTable;
    public final LayerNorm normOut;
    public final Linear projOut;

    public SanaTransformer2DModel(SanaTransformerConfig c, Weights w, WeightSource owned) {
        this.config = c;
        this.backend = w.backend();
        this.source = owned;
        int d = c.innerDim();
        int p = c.patchSize();
        patchEmbed = new Conv2d(w.sub("patch_embed").sub("proj"), c.inChannels(), d, p, p, 0, 1, true);
        // SANA-Sprint: SanaCombinedTimestepGuidanceEmbeddings; base Sana: AdaLayerNormSingle (emb.timestep_embedder)
        Weights te = c.guidanceEmbeds() ? w.sub("time_embed") : w.sub("time_embed").sub("emb");
        timestepEmbedder = new TimestepEmbedding(te.sub("timestep_embedder"), d);
        guidanceEmbedder = c.guidanceEmbeds() ? new TimestepEmbedding(te.sub("guidance_embedder"), d) : null;
        timeLinear = new Linear(w.sub("time_embed").sub("linear"), d, 6L * d, true);
        captionLinear1 = new Linear(w.sub("caption_projection").sub("linear_1"), c.captionChannels(), d, true);
        captionLinear2 = new Linear(w.sub("caption_projection").sub("linear_2"), d, d, true);
        captionNorm = w.hasPrefix("caption_norm") ? new RMSNorm(w.sub("caption_norm"), d, 1e-5, true) : null;
        transformerBlocks = new ArrayList<>(c.numLayers());
        for (int i = 0; i < c.numLayers(); i++) {
            transformerBlocks.add(new SanaTransformerBlock(c, w.sub("transformer_blocks").sub(i)));
        }
        scaleShiftTable = w.take("scale_shift_table", 2, d);
        normOut = new LayerNorm(w.sub("norm_out"), d, 1e-6, false);
        projOut = new Linear(w.sub("proj_out"), d, (long) p * p * c.outChannels(), true);
        w.requireAllUsed();
    }

    /** Loads {@code transformer/} (config.json + safetensors, single or sharded). */
    public static SanaTransformer2DModel load(Path dir, TensorBackend backend) {
        return ModelLoader.load(dir, backend, SanaTransformerConfig::from, SanaTransformer2DModel::new);
    }

    public SanaTransformerConfig config() {
        return config;
    }

    /**
     * Velocity (flow) prediction.
     *
     * @param hidden           latents (B, C, h, w)
     * @param timestep         per-sample timestep (SANA-Sprint: flow time t' ∈ [0, 1]; base Sana: scheduler timestep)
     * @param guidance         per-sample guidance (already × guidance_embeds_scale) for SANA-Sprint, else null
     * @param encoderHidden    text embeddings (B, L, caption_channels)
     * @param encoderMask      text mask {@code [B][L]} of 0/1, or null
     * @param controlResiduals ControlNet block samples (already scaled), or null: after block i, for
     *                         0 &lt; i ≤ n, {@code hidden += residuals[i − 1]}
     */
    public Tensor forward(Tensor hidden, float[] timestep, float[] guidance, Tensor encoderHidden, long[][] encoderMask,
                          List<Tensor> controlResiduals) {
        int b = (int) hidden.size(0);
        if (timestep.length != b) throw new IllegalArgumentException(timestep.length + " timesteps for batch " + b);
        if (config.guidanceEmbeds() && (guidance == null || guidance.length != b)) {
            throw new IllegalArgumentException("this transformer embeds guidance: one value per sample is required");
        }
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(hidden);
        inputs.add(encoderHidden);
        inputs.add(backend.fromFloats(timestep, b));
        inputs.add(config.guidanceEmbeds() ? backend.fromFloats(guidance, b) : null);
        inputs.add(encoderMask == null ? null : maskBias(encoderMask));
        int nControl = controlResiduals == null ? 0 : controlResiduals.size();
        if (controlResiduals != null) inputs.addAll(controlResiduals);
        List<Tensor> present = new ArrayList<>();
        for (Tensor t : inputs) if (t != null) present.add(t);
        boolean hasGuidance = inputs.get(3) != null;
        boolean hasMask = inputs.get(4) != null;
        return backend.call("sana_transformer", present, in -> {
            try (Scope s = backend.newScope()) {
                int k = 0;
                Tensor x = in.get(k++);
                Tensor text = in.get(k++);
                Tensor t = in.get(k++);
                Tensor g = hasGuidance ? in.get(k++) : null;
                Tensor bias = hasMask ? in.get(k++) : null;
                List<Tensor> control = in.subList(k, k + nControl);
                return List.of(s.keep(forwardGraph(x, text, t, g, bias, control)));
            }
        }).get(0);
    }

    /**
     * The forward pass as a pure tensor function (what backends trace and {@code export-onnx} writes).
     *
     * @param x        latents (B, C, h, w)
     * @param text     text embeddings (B, L, caption_channels)
     * @param timestep (B) timesteps
     * @param guidance (B) guidance values for SANA-Sprint, else null
     * @param bias     additive text-mask bias (B, 1, 1, L): (1 − mask)·(−10000), or null
     * @param control  ControlNet residuals (may be empty)
     */
    public Tensor forwardGraph(Tensor x, Tensor text, Tensor timestep, Tensor guidance, Tensor bias, List<Tensor> control) {
        TensorBackend be = backend;
        Tensor tProj = timestepProjection(timestep);
        Tensor gProj = guidance == null ? null : timestepProjection(guidance);
        long b = x.size(0);
        int p = config.patchSize();
        long h = x.size(2) / p;
        long w = x.size(3) / p;
        int d = config.innerDim();
        Tensor tokens = patchEmbed.forward(x);
        tokens = tokens.reshape(b, d, h * w).transpose(1, 2);                   // (B, N, D)
        Tensor embedded = timestepEmbedder.forward(tProj);
        if (gProj != null) embedded = embedded.add(guidanceEmbedder.forward(gProj));
        Tensor mod = timeLinear.forward(be.silu(embedded));                      // (B, 6D)
        Tensor caption = captionLinear2.forward(be.geluTanh(captionLinear1.forward(text)));
        if (captionNorm != null) caption = captionNorm.forward(caption);
        for (int i = 0; i < transformerBlocks.size(); i++) {
            // one scope per block: an eager backend frees the block's intermediates at once instead of
            // holding every intermediate of the whole pass (gigabytes at 1024²)
            try (Scope blockScope = be.newScope()) {
                Tensor t = transformerBlocks.get(i).forward(tokens, caption, bias, mod, (int) h, (int) w);
                if (i > 0 && i <= control.size()) t = t.add(control.get(i - 1));
                tokens = blockScope.keep(t);
            }
        }
        List<Tensor> ss = be.chunk(scaleShiftTable.reshape(1, 2, d).add(embedded.reshape(b, 1, d)), 2, 1);
        Tensor out = normOut.forward(tokens).mul(ss.get(1).add(1.0)).add(ss.get(0));   // (shift, scale)
        out = projOut.forward(out);                                                   // (B, N, p·p·C)
        long c = config.outChannels();
        out = out.reshape(b, h, w, p, p, c).permute(0, 5, 1, 3, 2, 4);
        return out.reshape(b, c, h * p, w * p);
    }

    /**
     * {@code Timesteps(256, flip_sin_to_cos=True, downscale_freq_shift=0)}: [cos(t·freq) | sin(t·freq)] with
     * freqᵢ = exp(−ln(10000)·i/128) computed on the host in float32 as torch does; the products and
     * trigonometry run on the backend, so the timestep stays a graph input.
     */
    private Tensor timestepProjection(Tensor t) {
        int half = 128;
        float[] freqs = new float[half];
        float logMax = (float) -Math.log(10000.0);
        for (int i = 0; i < half; i++) freqs[i] = (float) Math.exp(logMax * (float) i / (float) half);
        Tensor arg = t.reshape(t.size(0), 1).mul(backend.fromFloats(freqs, 1, half));
        return backend.concat(List.of(backend.cos(arg), backend.sin(arg)), 1);
    }

    /** diffusers' text mask → additive bias (1 − mask)·(−10000), shaped (B, 1, 1, L). */
    private Tensor maskBias(long[][] mask) {
        int b = mask.length;
        int l = mask[0].length;
        float[] v = new float[b * l];
        for (int i = 0; i < b; i++) {
            if (mask[i].length != l) throw new IllegalArgumentException("ragged attention mask");
            for (int j = 0; j < l; j++) v[i * l + j] = (1 - mask[i][j]) * -10000f;
        }
        return backend.fromFloats(v, b, 1, 1, l);
    }

    @Override
    public void close() {
        if (source != null) source.close();
    }

    /** {@code TimestepEmbedding}: linear_1 → SiLU → linear_2. */
    public static final class TimestepEmbedding {
        public final Linear linear1;
        public final Linear linear2;

        TimestepEmbedding(Weights w, int dim) {
            linear1 = new Linear(w.sub("linear_1"), 256, dim, true);
            linear2 = new Linear(w.sub("linear_2"), dim, dim, true);
        }

        Tensor forward(Tensor proj) {
            return linear2.forward(proj.backend().silu(linear1.forward(proj)));
        }
    }

    /** One {@code SanaTransformerBlock}. */
    public static final class SanaTransformerBlock {
        public final LayerNorm norm1;
        public final LayerNorm norm2;
        public final Linear q1, k1, v1, out1;
        public final RMSNorm normQ1, normK1;
        public final Linear q2, k2, v2, out2;
        public final RMSNorm normQ2, normK2;
        public final Conv2d convInverted, convDepth, convPoint;
        public final Tensor scaleShiftTable;
        private final int dim;
        private final int heads;
        private final int crossHeads;
        private final int crossHeadDim;

        /** Builds block weights under {@code w} ({@code transformer_blocks.N.}) for config {@code c}; public for ControlNet copies. */
        public SanaTransformerBlock(SanaTransformerConfig c, Weights w) {
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
            boolean qk = c.qkNorm() != null;
            // qk_norm "rms_norm_across_heads": one RMSNorm over the whole inner width, before the head split
            normQ1 = qk ? new RMSNorm(a1.sub("norm_q"), dim, 1e-5, true) : null;
            normK1 = qk ? new RMSNorm(a1.sub("norm_k"), dim, 1e-5, true) : null;
            Weights a2 = w.sub("attn2");
            q2 = new Linear(a2.sub("to_q"), dim, crossInner, true);
            k2 = new Linear(a2.sub("to_k"), c.crossAttentionDim(), crossInner, true);
            v2 = new Linear(a2.sub("to_v"), c.crossAttentionDim(), crossInner, true);
            out2 = new Linear(a2.sub("to_out").sub(0), crossInner, dim, true);
            normQ2 = qk && a2.has("norm_q.weight") ? new RMSNorm(a2.sub("norm_q"), crossInner, 1e-5, true) : null;
            normK2 = qk && a2.has("norm_k.weight") ? new RMSNorm(a2.sub("norm_k"), crossInner, 1e-5, true) : null;
            int hidden = (int) (c.mlpRatio() * dim);
            Weights ff = w.sub("ff");
            convInverted = new Conv2d(ff.sub("conv_inverted"), dim, 2L * hidden, 1, 1, 0, 1, true);
            convDepth = new Conv2d(ff.sub("conv_depth"), 2L * hidden, 2L * hidden, 3, 1, 1, 2 * hidden, true);
            convPoint = new Conv2d(ff.sub("conv_point"), hidden, dim, 1, 1, 0, 1, false);
            scaleShiftTable = w.take("scale_shift_table", 6, dim);
        }

        /**
         * @param x    tokens (B, N, D)
         * @param text projected text (B, L, D)
         * @param bias additive text mask (B, 1, 1, L) or null
         * @param mod  modulation (B, 6D)
         */
        public Tensor forward(Tensor x, Tensor text, Tensor bias, Tensor mod, int h, int w) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            List<Tensor> m = be.chunk(scaleShiftTable.reshape(1, 6, dim).add(mod.reshape(b, 6, dim)), 6, 1);
            Tensor shiftMsa = m.get(0);
            Tensor scaleMsa = m.get(1);
            Tensor gateMsa = m.get(2);
            Tensor shiftMlp = m.get(3);
            Tensor scaleMlp = m.get(4);
            Tensor gateMlp = m.get(5);

            Tensor n = norm1.forward(x).mul(scaleMsa.add(1.0)).add(shiftMsa);
            x = x.add(gateMsa.mul(linearAttention(n)));
            x = x.add(crossAttention(x, text, bias));

            n = norm2.forward(x).mul(scaleMlp.add(1.0)).add(shiftMlp);
            Tensor img = n.reshape(b, h, w, dim).permute(0, 3, 1, 2);
            Tensor y = be.silu(convInverted.forward(img));
            List<Tensor> g = be.chunk(convDepth.forward(y), 2, 1);
            y = convPoint.forward(g.get(0).mul(be.silu(g.get(1))));
            Tensor ffOut = y.reshape(b, dim, (long) h * w).transpose(1, 2);
            return x.add(gateMlp.mul(ffOut));
        }

        /** ReLU linear attention: (V·Kᵀ)·Q with V padded by a row of ones as the normaliser (eps 1e-15). */
        private Tensor linearAttention(Tensor x) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            long n = x.size(1);
            long hd = dim / heads;
            Tensor q = q1.forward(x);
            Tensor k = k1.forward(x);
            if (normQ1 != null) {
                q = normQ1.forward(q);
                k = normK1.forward(k);
            }
            q = be.relu(q.transpose(1, 2).reshape(b, heads, hd, n));                    // (B, H, hd, N)
            k = be.relu(k.transpose(1, 2).reshape(b, heads, hd, n)).transpose(2, 3);    // (B, H, N, hd)
            Tensor v = v1.forward(x).transpose(1, 2).reshape(b, heads, hd, n);
            v = be.pad(v, new long[] {0, 0, 0, 1}, 1.0);                                 // (B, H, hd+1, N)
            Tensor o = v.matmul(k).matmul(q);                                            // (B, H, hd+1, N)
            Tensor out = o.slice(2, 0, hd).div(o.slice(2, hd, hd + 1).add(1e-15));
            return out1.forward(out.reshape(b, dim, n).transpose(1, 2));
        }

        private Tensor crossAttention(Tensor x, Tensor text, Tensor bias) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            Tensor q = q2.forward(x);
            Tensor k = k2.forward(text);
            if (normQ2 != null) q = normQ2.forward(q);
            if (normK2 != null) k = normK2.forward(k);
            q = q.reshape(b, -1, crossHeads, crossHeadDim).transpose(1, 2);
            k = k.reshape(b, -1, crossHeads, crossHeadDim).transpose(1, 2);
            Tensor v = v2.forward(text).reshape(b, -1, crossHeads, crossHeadDim).transpose(1, 2);
            Tensor o = be.attention(q, k, v, bias, 1.0 / Math.sqrt(crossHeadDim));
            return out2.forward(o.transpose(1, 2).reshape(b, -1, (long) crossHeads * crossHeadDim));
        }
    }
}
