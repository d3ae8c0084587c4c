package dev.sprint.swd.mmdit;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Activation;
import dev.sprint.core.nn.BlockStack;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.nn.LayerNorm;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.Model;
import dev.sprint.core.nn.ModelLoader;
import dev.sprint.core.nn.PatchEmbed;
import dev.sprint.core.nn.PixArtAlphaTextProjection;
import dev.sprint.core.nn.TimestepEmbedding;
import dev.sprint.core.nn.Timesteps;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.plan.MetaBackend;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code SD3Transformer2DModel} (v0.36): the MMDiT of Stable Diffusion 3 / 3.5, with SD3.5
 * Medium's dual-attention (MMDiT-X) blocks. Patchify conv + centre-cropped 2-D sin-cos positions,
 * timestep + pooled-text conditioning, context embedder, joint transformer blocks over
 * [sample tokens | context tokens], AdaLN-continuous final norm, projection and unpatchify. Field
 * names follow the checkpoint's weight names; the output is the flow-matching velocity.
 *
 * <p>Host-side data (the timestep sinusoid and the positional-embedding crop) is computed in Java and
 * passed into the traced forward pass as inputs.
 */
public final class SD3Transformer2DModel extends Model<SD3TransformerConfig> {
    private static final double EPS = 1e-6;

    private final PatchEmbed posEmbed;
    private final CombinedTimestepTextProjEmbeddings timeTextEmbed;
    private final Linear contextEmbedder;
    /** The joint blocks; a low-memory plan streams them (SD3.5-Large's 38 blocks hold 16 GB in bf16). */
    private final BlockStack<JointTransformerBlock> transformerBlocks;
    private final AdaLayerNormContinuous normOut;
    private final Linear projOut;

    /**
     * Builds the model from a weight path (every weight is shape-checked, unexpected ones are an error).
     *
     * @param owned the source to close with the model, or null
     */
    public SD3Transformer2DModel(SD3TransformerConfig c, Weights w, WeightSource owned) {
        super(c, w, owned);
        int d = c.innerDim();
        posEmbed = new PatchEmbed(w.sub("pos_embed"), c.inChannels(), d, c.patchSize(), c.posEmbedMaxSize());
        timeTextEmbed = new CombinedTimestepTextProjEmbeddings(w.sub("time_text_embed"), d, c.pooledProjectionDim());
        contextEmbedder = new Linear(w.sub("context_embedder"), c.jointAttentionDim(), c.captionProjectionDim(), true);
        int n = c.numLayers();
        transformerBlocks = new BlockStack<>(w.backend(), n,
                i -> new JointTransformerBlock(c, w.sub("transformer_blocks").sub(i), i == n - 1, c.isDualAttention(i)),
                i -> new JointTransformerBlock(c, w.sub("transformer_blocks").sub(i).on(new MetaBackend()), i == n - 1,
                        c.isDualAttention(i)));
        normOut = new AdaLayerNormContinuous(w.sub("norm_out"), d);
        projOut = new Linear(w.sub("proj_out"), d, (long) c.patchSize() * c.patchSize() * c.outChannels(), true);
    }

    @Override
    public void close() {
        transformerBlocks.close();
        super.close();
    }

    /** Loads {@code transformer/} (config.json + safetensors, single or sharded). */
    public static SD3Transformer2DModel load(Path dir, TensorBackend backend) {
        return load(dir, Checkpoints.open(dir), backend);
    }

    /**
     * Loads the config of {@code dir} with weights from {@code source} (e.g. a
     * {@link dev.sprint.core.lora.LoraMergedSource} over the folder's checkpoint); the model owns the source.
     */
    public static SD3Transformer2DModel load(Path dir, WeightSource source, TensorBackend backend) {
        return ModelLoader.load(dir, source, backend, SD3TransformerConfig::from, SD3Transformer2DModel::new);
    }


    /**
     * Velocity prediction with timesteps given as a tensor (read back to the host before the traced pass,
     * since the sinusoid is computed in Java).
     *
     * @param latent        latents (B, 16, h, w), h and w multiples of the patch size
     * @param timestep      (B) timesteps, 1000·σ
     * @param encoderHidden prompt embeddings (B, L, joint_attention_dim)
     * @param pooled        pooled text embeddings (B, pooled_projection_dim)
     */
    public Tensor forward(Tensor latent, Tensor timestep, Tensor encoderHidden, Tensor pooled) {
        return forward(latent, backend().toFloats(timestep), encoderHidden, pooled);
    }

    /** Velocity prediction; {@code timestep} holds one value (1000·σ) per sample. */
    public Tensor forward(Tensor latent, float[] timestep, Tensor encoderHidden, Tensor pooled) {
        long b = latent.size(0);
        int p = config().patchSize();
        if (latent.rank() != 4 || latent.size(1) != config().inChannels()) {
            throw new InvalidRequestException("SD3 transformer input must be (B, " + config().inChannels() + ", h, w), got "
                    + latent.describe());
        }
        int h = (int) latent.size(2);
        int w = (int) latent.size(3);
        if (h % p != 0 || w % p != 0) {
            throw new InvalidRequestException("latent size " + h + "x" + w + " is not a multiple of the patch size " + p);
        }
        if (timestep.length != b || encoderHidden.size(0) != b || pooled.size(0) != b) {
            throw new InvalidRequestException("batch mismatch: latents " + b + ", timesteps " + timestep.length
                    + ", prompt embeddings " + encoderHidden.size(0) + ", pooled " + pooled.size(0));
        }
        Tensor tProj = backend().fromFloats(Timesteps.project(timestep, Timesteps.CHANNELS), b, Timesteps.CHANNELS);
        Tensor pos = backend().fromFloats(posEmbed.cropped(h / p, w / p), 1, (long) (h / p) * (w / p), config().innerDim());
        return call("sd3_transformer", List.of(latent, encoderHidden, pooled, tProj, pos),
                in -> List.of(run(in.get(0), in.get(1), in.get(2), in.get(3), in.get(4)))).get(0);
    }

    private Tensor run(Tensor latent, Tensor text, Tensor pooled, Tensor tProj, Tensor pos) {
        int p = config().patchSize();
        long hp = latent.size(2) / p;
        long wp = latent.size(3) / p;
        Tensor x = posEmbed.forward(latent, pos);                  // (B, N, D)
        Tensor temb = timeTextEmbed.forward(tProj, pooled);        // (B, D)
        Tensor c = contextEmbedder.forward(text);                  // (B, L, D)
        // one scope per block (BlockStack.runAll): an eager backend frees the block's intermediates at once instead of
        // holding every intermediate of the whole pass (over 10 GB for SD3.5-Medium at 512²)
        for (int i = 0; i < transformerBlocks.size(); i++) {
            Tensor context = c;
            List<Tensor> out = transformerBlocks.runAll(i, x, (block, h) -> {
                Tensor[] o = block.forward(h, context, temb);
                return o[0] == null ? List.of(o[1]) : List.of(o[1], o[0]);
            }, i > 0);
            x = out.get(0);
            c = out.size() > 1 ? out.get(1) : null;
        }
        x = projOut.forward(normOut.forward(x, temb));              // (B, N, p·p·C)
        return PatchEmbed.unpatchify(x, hp, wp, p, config().outChannels());
    }


    /** {@code CombinedTimestepTextProjEmbeddings}: temb = timestep_embedder(sinusoid(t)) + text_embedder(pooled). */
    public static final class CombinedTimestepTextProjEmbeddings {
        private final TimestepEmbedding timestepEmbedder;
        private final PixArtAlphaTextProjection textEmbedder;

        CombinedTimestepTextProjEmbeddings(Weights w, int dim, int pooledDim) {
            timestepEmbedder = new TimestepEmbedding(w.sub("timestep_embedder"), Timesteps.CHANNELS, dim);
            textEmbedder = new PixArtAlphaTextProjection(w.sub("text_embedder"), pooledDim, dim, Activation.SILU);
        }

        Tensor forward(Tensor tProj, Tensor pooled) {
            return timestepEmbedder.forward(tProj).add(textEmbedder.forward(pooled));
        }
    }

    /**
     * {@code AdaLayerNormContinuous} (layer_norm, no affine, eps 1e-6): (scale, shift) = linear(SiLU(temb))
     * — scale FIRST, unlike AdaLN-Zero — then LN(x)·(1 + scale) + shift.
     */
    public static final class AdaLayerNormContinuous {
        private final Linear linear;
        private final LayerNorm norm;
        private final int dim;

        AdaLayerNormContinuous(Weights w, int dim) {
            this.dim = dim;
            linear = new Linear(w.sub("linear"), dim, 2L * dim, true);
            norm = new LayerNorm(w.sub("norm"), dim, EPS, false, false);
        }

        Tensor forward(Tensor x, Tensor temb) {
            List<Tensor> m = chunks(linear.forward(x.backend().silu(temb)), 2, dim);
            return modulate(norm.forward(x), m.get(1), m.get(0));
        }
    }

    /**
     * {@code AdaLayerNormZero} (6 chunks: shift_msa, scale_msa, gate_msa, shift_mlp, scale_mlp, gate_mlp) or
     * {@code SD35AdaLayerNormZeroX} (9 chunks, + shift_msa2, scale_msa2, gate_msa2). Returns the chunks;
     * the caller applies them, as the LayerNorm output is shared between attn and attn2.
     */
    public static final class AdaLayerNormZero {
        private final Linear linear;
        private final int dim;
        private final int n;

        AdaLayerNormZero(Weights w, int dim, int n) {
            this.dim = dim;
            this.n = n;
            linear = new Linear(w.sub("linear"), dim, (long) n * dim, true);
        }

        List<Tensor> chunks(Tensor temb) {
            return SD3Transformer2DModel.chunks(linear.forward(temb.backend().silu(temb)), n, dim);
        }
    }

    /** Splits (B, n·D) into n tensors (B, 1, D), ready to broadcast over tokens. */
    static List<Tensor> chunks(Tensor mod, int n, int dim) {
        return mod.backend().chunk(mod.reshape(mod.size(0), n, dim), n, 1);
    }

    /** x·(1 + scale) + shift with (B, 1, D) modulation. */
    static Tensor modulate(Tensor normed, Tensor shift, Tensor scale) {
        return normed.mul(scale.add(1.0)).add(shift);
    }

    /** {@code FeedForward(activation_fn="gelu-approximate")}: net.0.proj (D→4D) → tanh-GELU → net.2 (4D→D). */
    public static final class FeedForward {
        private final Linear proj;
        private final Linear out;

        FeedForward(Weights w, int dim) {
            proj = new Linear(w.sub("net").sub(0).sub("proj"), dim, 4L * dim, true);
            out = new Linear(w.sub("net").sub(2), 4L * dim, dim, true);
        }

        Tensor forward(Tensor x) {
            return out.forward(x.backend().geluTanh(proj.forward(x)));
        }
    }

    /**
     * diffusers {@code Attention} with {@code JointAttnProcessor2_0}: per-head RMSNorm (eps 1e-6) on q/k;
     * with a context stream (add_*_proj, norm_added_*), softmax attention over [sample | context]
     * tokens, split back, outputs through to_out.0 and (unless context_pre_only) to_add_out.
     */
    public static final class JointAttention {
        private final Linear toQ, toK, toV, toOut;
        private final Tensor normQ, normK;
        private final Linear addQProj, addKProj, addVProj, toAddOut;
        private final Tensor normAddedQ, normAddedK;
        private final int heads;
        private final int headDim;

        JointAttention(SD3TransformerConfig c, Weights w, boolean context, boolean contextPreOnly) {
            int d = c.innerDim();
            heads = c.numAttentionHeads();
            headDim = c.attentionHeadDim();
            boolean qk = c.qkNorm() != null;
            toQ = new Linear(w.sub("to_q"), d, d, true);
            toK = new Linear(w.sub("to_k"), d, d, true);
            toV = new Linear(w.sub("to_v"), d, d, true);
            toOut = new Linear(w.sub("to_out").sub(0), d, d, true);
            normQ = qk ? w.take("norm_q.weight", headDim) : null;
            normK = qk ? w.take("norm_k.weight", headDim) : null;
            addQProj = context ? new Linear(w.sub("add_q_proj"), d, d, true) : null;
            addKProj = context ? new Linear(w.sub("add_k_proj"), d, d, true) : null;
            addVProj = context ? new Linear(w.sub("add_v_proj"), d, d, true) : null;
            toAddOut = context && !contextPreOnly ? new Linear(w.sub("to_add_out"), d, d, true) : null;
            normAddedQ = context && qk ? w.take("norm_added_q.weight", headDim) : null;
            normAddedK = context && qk ? w.take("norm_added_k.weight", headDim) : null;
        }

        /** (B, N, D) → (B, H, N, hd), then the per-head RMSNorm if given. */
        private Tensor heads(Tensor x, Tensor norm) {
            Tensor t = x.reshape(x.size(0), x.size(1), heads, headDim).transpose(1, 2);
            return norm == null ? t : t.backend().rmsNorm(t, norm, EPS);
        }

        /** Self-attention over the sample tokens only (attn2 of the dual-attention blocks). */
        Tensor forward(Tensor x) {
            Tensor q = heads(toQ.forward(x), normQ);
            Tensor k = heads(toK.forward(x), normK);
            Tensor v = heads(toV.forward(x), null);
            Tensor o = x.backend().attention(q, k, v, null, 1.0 / Math.sqrt(headDim));
            return toOut.forward(o.transpose(1, 2).reshape(x.size(0), x.size(1), (long) heads * headDim));
        }

        /** Joint attention; returns {sample output, context output (null when context_pre_only)}. */
        Tensor[] forward(Tensor x, Tensor c) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            long n = x.size(1);
            long l = c.size(1);
            Tensor q = heads(toQ.forward(x), normQ);
            // context_pre_only: the context queries' outputs are discarded, and softmax is per query row, so
            // they are not computed (add_q_proj is still loaded: the checkpoint has it)
            if (toAddOut != null) q = be.concat(List.of(q, heads(addQProj.forward(c), normAddedQ)), 2);
            Tensor k = be.concat(List.of(heads(toK.forward(x), normK), heads(addKProj.forward(c), normAddedK)), 2);
            Tensor v = be.concat(List.of(heads(toV.forward(x), null), heads(addVProj.forward(c), null)), 2);
            Tensor o = be.attention(q, k, v, null, 1.0 / Math.sqrt(headDim));
            o = o.transpose(1, 2).reshape(b, q.size(2), (long) heads * headDim);
            Tensor xo = toOut.forward(o.slice(1, 0, n));
            Tensor co = toAddOut == null ? null : toAddOut.forward(o.slice(1, n, n + l));
            return new Tensor[] {xo, co};
        }
    }

    /**
     * {@code JointTransformerBlock}: AdaLN-Zero(-X) modulated joint attention and tanh-GELU feed-forward for
     * the sample stream; the context stream likewise, except in the last ({@code context_pre_only}) block,
     * whose context only feeds keys/values (AdaLN-continuous norm, no to_add_out/ff_context). Dual-attention
     * blocks add {@code attn2}, an image-only attention on LN(x_in)·(1 + scale_msa2) + shift_msa2 of the
     * block input, gated by gate_msa2.
     */
    public static final class JointTransformerBlock {
        private final AdaLayerNormZero norm1;
        private final AdaLayerNormZero norm1Context;             // null in the context_pre_only block
        private final AdaLayerNormContinuous norm1ContextPreOnly; // only in the context_pre_only block
        private final JointAttention attn;
        private final JointAttention attn2;                      // dual-attention blocks only
        private final FeedForward ff;
        private final FeedForward ffContext;                     // null in the context_pre_only block
        private final LayerNorm norm;                           // the shared non-affine LN (eps 1e-6)
        private final boolean contextPreOnly;

        JointTransformerBlock(SD3TransformerConfig c, Weights w, boolean contextPreOnly, boolean dual) {
            int d = c.innerDim();
            this.contextPreOnly = contextPreOnly;
            norm1 = new AdaLayerNormZero(w.sub("norm1"), d, dual ? 9 : 6);
            norm1Context = contextPreOnly ? null : new AdaLayerNormZero(w.sub("norm1_context"), d, 6);
            norm1ContextPreOnly = contextPreOnly ? new AdaLayerNormContinuous(w.sub("norm1_context"), d) : null;
            attn = new JointAttention(c, w.sub("attn"), true, contextPreOnly);
            attn2 = dual ? new JointAttention(c, w.sub("attn2"), false, false) : null;
            ff = new FeedForward(w.sub("ff"), d);
            ffContext = contextPreOnly ? null : new FeedForward(w.sub("ff_context"), d);
            norm = new LayerNorm(w.sub("norm"), d, EPS, false, false);
        }

        /** Returns {context (null after the last block), sample}. */
        Tensor[] forward(Tensor x, Tensor c, Tensor temb) {
            List<Tensor> m = norm1.chunks(temb);
            Tensor nx = norm.forward(x);
            Tensor xMsa = modulate(nx, m.get(0), m.get(1));
            List<Tensor> cm = null;
            Tensor cMsa;
            if (contextPreOnly) {
                cMsa = norm1ContextPreOnly.forward(c, temb);
            } else {
                cm = norm1Context.chunks(temb);
                cMsa = modulate(norm.forward(c), cm.get(0), cm.get(1));
            }
            Tensor[] a = attn.forward(xMsa, cMsa);
            x = x.add(m.get(2).mul(a[0]));
            if (attn2 != null) {
                // attn2 reads the block input's LayerNorm with its own modulation (SD35AdaLayerNormZeroX)
                Tensor x2 = modulate(nx, m.get(6), m.get(7));
                x = x.add(m.get(8).mul(attn2.forward(x2)));
            }
            x = x.add(m.get(5).mul(ff.forward(modulate(norm.forward(x), m.get(3), m.get(4)))));
            if (contextPreOnly) return new Tensor[] {null, x};
            c = c.add(cm.get(2).mul(a[1]));
            c = c.add(cm.get(5).mul(ffContext.forward(modulate(norm.forward(c), cm.get(3), cm.get(4)))));
            return new Tensor[] {c, x};
        }
    }
}
