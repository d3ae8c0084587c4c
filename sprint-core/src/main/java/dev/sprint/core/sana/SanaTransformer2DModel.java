package dev.sprint.core.sana;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Activation;
import dev.sprint.core.nn.AdaLayerNormSingle;
import dev.sprint.core.nn.AttentionMask;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.nn.GLUMBConv;
import dev.sprint.core.nn.LayerNorm;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.Model;
import dev.sprint.core.nn.ModelLoader;
import dev.sprint.core.nn.PatchEmbed;
import dev.sprint.core.nn.PixArtAlphaTextProjection;
import dev.sprint.core.nn.RMSNorm;
import dev.sprint.core.nn.SanaCombinedTimestepGuidanceEmbeddings;
import dev.sprint.core.nn.TimestepConditioning;
import dev.sprint.core.nn.Timesteps;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code SanaTransformer2DModel}: patch embedding, caption projection + RMSNorm, timestep (and,
 * for SANA-Sprint, guidance) embedding with AdaLN-single modulation, transformer blocks (ReLU linear
 * self-attention with the ones-row normaliser, cross-attention with a −10000 text-mask bias, GLUMBConv
 * Mix-FFN; q/k RMSNorm across heads when {@code qk_norm} is set), modulated final norm and unpatchify.
 * The module tree mirrors diffusers' one to one: a field path is the weight path
 * ({@code caption_projection.linear_1} is {@code captionProjection.linear1}); the architecture comes from
 * the config alone.
 */
public final class SanaTransformer2DModel extends Model<SanaTransformerConfig> {
    private final PatchEmbed patchEmbed;
    private final TimestepConditioning timeEmbed;
    private final PixArtAlphaTextProjection captionProjection;
    private final RMSNorm captionNorm;
    private final List<SanaTransformerBlock> transformerBlocks;
    private final Tensor scaleShiftTable;
    private final LayerNorm normOut;
    private final Linear projOut;

    public SanaTransformer2DModel(SanaTransformerConfig c, Weights w, WeightSource owned) {
        super(c, w, owned);
        int d = c.innerDim();
        patchEmbed = new PatchEmbed(w.sub("patch_embed"), c.inChannels(), d, c.patchSize());
        // SANA-Sprint: SanaCombinedTimestepGuidanceEmbeddings; base Sana: AdaLayerNormSingle
        timeEmbed = c.guidanceEmbeds() ? new SanaCombinedTimestepGuidanceEmbeddings(w.sub("time_embed"), d)
                : new AdaLayerNormSingle(w.sub("time_embed"), d);
        captionProjection = new PixArtAlphaTextProjection(w.sub("caption_projection"), c.captionChannels(), d,
                Activation.GELU_TANH);
        captionNorm = new RMSNorm(w.sub("caption_norm"), d, 1e-5, true);
        List<SanaTransformerBlock> blocks = new ArrayList<>(c.numLayers());
        for (int i = 0; i < c.numLayers(); i++) blocks.add(new SanaTransformerBlock(c, w.sub("transformer_blocks").sub(i)));
        transformerBlocks = List.copyOf(blocks);
        scaleShiftTable = w.take("scale_shift_table", 2, d);
        normOut = new LayerNorm(w.sub("norm_out").sub("norm"), d, 1e-6, false, false);
        projOut = new Linear(w.sub("proj_out"), d, (long) c.patchSize() * c.patchSize() * c.outChannels(), true);
    }

    /** Loads {@code transformer/} (config.json + safetensors, single or sharded). */
    public static SanaTransformer2DModel load(Path dir, TensorBackend backend) {
        return ModelLoader.load(dir, backend, SanaTransformerConfig::from, SanaTransformer2DModel::new);
    }

    /** Loads {@code transformer/}'s config with weights from {@code source} (e.g. with LoRAs fused in); the model owns it. */
    public static SanaTransformer2DModel load(Path dir, WeightSource source, TensorBackend backend) {
        return ModelLoader.load(dir, source, backend, SanaTransformerConfig::from, SanaTransformer2DModel::new);
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
        if (timestep.length != b) throw new InvalidRequestException(timestep.length + " timesteps for batch " + b);
        if (config().guidanceEmbeds() && (guidance == null || guidance.length != b)) {
            throw new InvalidRequestException("this transformer embeds guidance: one value per sample is required");
        }
        List<Tensor> inputs = new ArrayList<>();
        inputs.add(hidden);
        inputs.add(encoderHidden);
        // as diffusers: timesteps stay float32 (rounded to bf16, t = 991.07 would become 992), while the guidance
        // values are held in the compute type (SanaSprintPipeline casts them to the prompt embeddings' dtype)
        inputs.add(backend().latents(timestep, b));
        inputs.add(config().guidanceEmbeds() ? backend().fromFloats(guidance, b) : null);
        inputs.add(AttentionMask.bias(backend(), encoderMask));
        int nControl = controlResiduals == null ? 0 : controlResiduals.size();
        if (controlResiduals != null) inputs.addAll(controlResiduals);
        List<Tensor> present = new ArrayList<>();
        for (Tensor t : inputs) if (t != null) present.add(t);
        boolean hasGuidance = inputs.get(3) != null;
        boolean hasMask = inputs.get(4) != null;
        return call("sana_transformer", present, in -> {
            int k = 0;
            Tensor x = in.get(k++);
            Tensor text = in.get(k++);
            Tensor t = in.get(k++);
            Tensor g = hasGuidance ? in.get(k++) : null;
            Tensor bias = hasMask ? in.get(k++) : null;
            List<Tensor> control = in.subList(k, k + nControl);
            return List.of(forwardGraph(x, text, t, g, bias, control));
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
        TensorBackend be = backend();
        Tensor tProj = Timesteps.project(timestep, Timesteps.CHANNELS);
        Tensor gProj = guidance == null ? null : Timesteps.project(guidance, Timesteps.CHANNELS);
        long b = x.size(0);
        int p = config().patchSize();
        long h = x.size(2) / p;
        long w = x.size(3) / p;
        int d = config().innerDim();
        Tensor tokens = patchEmbed.forward(x);                                   // (B, N, D)
        TimestepConditioning.Output time = timeEmbed.forward(tProj, gProj);       // (B, 6D), (B, D)
        Tensor caption = captionNorm.forward(captionProjection.forward(text));
        for (int i = 0; i < transformerBlocks.size(); i++) {
            Cancellation.check();
            // one scope per block: an eager backend frees the block's intermediates at once instead of
            // holding every intermediate of the whole pass (gigabytes at 1024²)
            try (Scope blockScope = be.newScope()) {
                Tensor t = transformerBlocks.get(i).forward(tokens, caption, bias, time.modulation(), (int) h, (int) w);
                if (i > 0 && i <= control.size()) t = t.add(control.get(i - 1));
                tokens = blockScope.keep(t);
            }
        }
        List<Tensor> ss = be.chunk(scaleShiftTable.reshape(1, 2, d).add(time.embedded().reshape(b, 1, d)), 2, 1);
        Tensor out = normOut.forward(tokens).mul(ss.get(1).add(1.0)).add(ss.get(0));   // (shift, scale)
        return PatchEmbed.unpatchify(projOut.forward(out), h, w, p, config().outChannels()); // (B, N, p·p·C) → image
    }


    /**
     * One {@code SanaTransformerBlock}: AdaLN-single modulated linear self-attention ({@code attn1}),
     * cross-attention to the text ({@code attn2}), modulated GLUMBConv feed-forward ({@code ff}). Public for
     * the ControlNet's copied blocks.
     */
    public static final class SanaTransformerBlock {
        private final LayerNorm norm1;
        private final SanaAttention attn1;
        private final LayerNorm norm2;
        private final SanaAttention attn2;
        private final GLUMBConv ff;
        private final Tensor scaleShiftTable;
        private final int dim;

        /** Builds block weights under {@code w} ({@code transformer_blocks.N.}) for config {@code c}. */
        public SanaTransformerBlock(SanaTransformerConfig c, Weights w) {
            dim = c.innerDim();
            norm1 = new LayerNorm(w.sub("norm1"), dim, c.normEps(), false, false);
            attn1 = SanaAttention.self(c, w.sub("attn1"));
            norm2 = new LayerNorm(w.sub("norm2"), dim, c.normEps(), c.normElementwiseAffine(), c.normElementwiseAffine());
            attn2 = SanaAttention.cross(c, w.sub("attn2"));
            ff = new GLUMBConv(w.sub("ff"), dim, (int) (c.mlpRatio() * dim));
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
            x = x.add(gateMsa.mul(attn1.linear(n)));
            x = x.add(attn2.cross(x, text, bias));

            n = norm2.forward(x).mul(scaleMlp.add(1.0)).add(shiftMlp);
            Tensor img = n.reshape(b, h, w, dim).permute(0, 3, 1, 2);
            // (B, D, h, w) → (B, h·w, D): a view when the convolutions return channels-last tensors (libtorch bf16)
            Tensor ffOut = ff.forward(img).permute(0, 2, 3, 1).reshape(b, (long) h * w, dim);
            return x.add(gateMlp.mul(ffOut));
        }
    }

    /**
     * diffusers' {@code Attention} as the Sana blocks build it — {@code to_q}, {@code to_k}, {@code to_v},
     * {@code to_out.0}, and with {@code qk_norm="rms_norm_across_heads"} one RMSNorm over the whole inner width
     * on q and k before the head split — run with one of its two processors: {@code attn1} with
     * {@code SanaLinearAttnProcessor2_0} ({@link #linear}), {@code attn2} with {@code SanaAttnProcessor2_0}
     * ({@link #cross}).
     */
    static final class SanaAttention {
        private final Linear toQ;
        private final Linear toK;
        private final Linear toV;
        private final Linear toOut;
        private final RMSNorm normQ;
        private final RMSNorm normK;
        private final int heads;
        private final int headDim;

        /** {@code attn1}: self-attention with q/k/v bias per {@code attention_bias}. */
        static SanaAttention self(SanaTransformerConfig c, Weights w) {
            return new SanaAttention(w, c.innerDim(), c.innerDim(), c.numAttentionHeads(), c.attentionHeadDim(),
                    c.attentionBias(), c.qkNorm() != null);
        }

        /** {@code attn2}: cross-attention to the projected text, q/k/v with bias. */
        static SanaAttention cross(SanaTransformerConfig c, Weights w) {
            return new SanaAttention(w, c.innerDim(), c.crossAttentionDim(), c.numCrossAttentionHeads(),
                    c.crossAttentionHeadDim(), true, c.qkNorm() != null);
        }

        private SanaAttention(Weights w, int queryDim, int kvDim, int heads, int headDim, boolean qkvBias, boolean qkNorm) {
            this.heads = heads;
            this.headDim = headDim;
            int inner = heads * headDim;
            toQ = new Linear(w.sub("to_q"), queryDim, inner, qkvBias);
            toK = new Linear(w.sub("to_k"), kvDim, inner, qkvBias);
            toV = new Linear(w.sub("to_v"), kvDim, inner, qkvBias);
            toOut = new Linear(w.sub("to_out").sub(0), inner, queryDim, true);
            normQ = qkNorm ? new RMSNorm(w.sub("norm_q"), inner, 1e-5, true) : null;
            normK = qkNorm ? new RMSNorm(w.sub("norm_k"), inner, 1e-5, true) : null;
        }

        /** ReLU linear attention: (V·Kᵀ)·Q with V padded by a row of ones as the normaliser (eps 1e-15). */
        Tensor linear(Tensor x) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            long n = x.size(1);
            long hd = headDim;
            Tensor q = toQ.forward(x);
            Tensor k = toK.forward(x);
            if (normQ != null) {
                q = normQ.forward(q);
                k = normK.forward(k);
            }
            DType dtype = x.dtype();
            q = be.relu(q.transpose(1, 2).reshape(b, heads, hd, n));                    // (B, H, hd, N)
            k = be.relu(k.transpose(1, 2).reshape(b, heads, hd, n)).transpose(2, 3);    // (B, H, N, hd)
            Tensor v = toV.forward(x).transpose(1, 2).reshape(b, heads, hd, n);
            if (dtype != DType.F32) { // diffusers computes the linear attention in float32 (the normaliser is a sum over N)
                q = q.to(DType.F32);
                k = k.to(DType.F32);
                v = v.to(DType.F32);
            }
            v = be.pad(v, new long[] {0, 0, 0, 1}, 1.0);                                 // (B, H, hd+1, N)
            Tensor o = v.matmul(k).matmul(q);                                            // (B, H, hd+1, N)
            Tensor out = o.slice(2, 0, hd).div(o.slice(2, hd, hd + 1).add(1e-15)).to(dtype);
            return toOut.forward(out.reshape(b, (long) heads * headDim, n).transpose(1, 2));
        }

        /** Softmax attention of x's queries over the text with the additive mask bias. */
        Tensor cross(Tensor x, Tensor text, Tensor bias) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            Tensor q = toQ.forward(x);
            Tensor k = toK.forward(text);
            if (normQ != null) q = normQ.forward(q);
            if (normK != null) k = normK.forward(k);
            q = q.reshape(b, -1, heads, headDim).transpose(1, 2);
            k = k.reshape(b, -1, heads, headDim).transpose(1, 2);
            Tensor v = toV.forward(text).reshape(b, -1, heads, headDim).transpose(1, 2);
            Tensor o = be.attention(q, k, v, bias, 1.0 / Math.sqrt(headDim));
            return toOut.forward(o.transpose(1, 2).reshape(b, -1, (long) heads * headDim));
        }
    }
}
