package dev.sprint.swd.mmdit;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Config;
import java.util.Arrays;

/**
 * {@code transformer/config.json} of a diffusers {@code SD3Transformer2DModel} (SD3 / SD3.5 MMDiT and
 * SD3.5 Medium's MMDiT-X with dual attention).
 *
 * @param sampleSize           latent side at the native resolution (128 for 1024 px)
 * @param patchSize            patch side (2)
 * @param inChannels           latent channels in (16)
 * @param outChannels          latent channels out (defaults to in_channels)
 * @param numLayers            joint transformer blocks; the last one is {@code context_pre_only}
 * @param attentionHeadDim     head width (64)
 * @param numAttentionHeads    heads (inner width = heads × head width)
 * @param jointAttentionDim    width of the prompt embeddings (4096 = T5-XXL)
 * @param captionProjectionDim width of the embedded context; must equal the inner width
 * @param pooledProjectionDim  width of the pooled CLIP embedding (2048)
 * @param posEmbedMaxSize      side (in patches) of the stored 2-D sin-cos table that is centre-cropped
 * @param qkNorm               "rms_norm" (per-head RMSNorm on q and k) or null
 * @param dualAttentionLayers  blocks with the extra image-only attention {@code attn2} (SD3.5 Medium: 0..12)
 */
public record SD3TransformerConfig(int sampleSize, int patchSize, int inChannels, int outChannels, int numLayers,
                                   int attentionHeadDim, int numAttentionHeads, int jointAttentionDim,
                                   int captionProjectionDim, int pooledProjectionDim, int posEmbedMaxSize,
                                   String qkNorm, int[] dualAttentionLayers) {
    public SD3TransformerConfig {
        dualAttentionLayers = dualAttentionLayers.clone();
    }

    /** heads × head width. */
    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** Whether block {@code i} has the dual (image-only) attention {@code attn2}. */
    public boolean isDualAttention(int i) {
        for (int l : dualAttentionLayers) if (l == i) return true;
        return false;
    }

    @Override
    public int[] dualAttentionLayers() {
        return dualAttentionLayers.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SD3TransformerConfig c && c.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "SD3TransformerConfig[sampleSize=" + sampleSize + ", patchSize=" + patchSize + ", inChannels=" + inChannels
                + ", outChannels=" + outChannels + ", numLayers=" + numLayers + ", attentionHeadDim=" + attentionHeadDim
                + ", numAttentionHeads=" + numAttentionHeads + ", jointAttentionDim=" + jointAttentionDim
                + ", captionProjectionDim=" + captionProjectionDim + ", pooledProjectionDim=" + pooledProjectionDim
                + ", posEmbedMaxSize=" + posEmbedMaxSize + ", qkNorm=" + qkNorm
                + ", dualAttentionLayers=" + Arrays.toString(dualAttentionLayers) + "]";
    }

    /** Parses a checkpoint's config (diffusers defaults for absent optional keys; unknown keys ignored). */
    public static SD3TransformerConfig from(Config c) {
        String qk = c.getString("qk_norm", null);
        if (qk != null && !qk.equals("rms_norm")) {
            throw new UnsupportedModelException("SD3 transformer qk_norm '" + qk + "' is not supported (" + c.origin()
                    + "); SD3.5 checkpoints use rms_norm");
        }
        if (!c.has("pos_embed_max_size")) {
            throw new UnsupportedModelException("SD3 transformers without pos_embed_max_size (an interpolated positional"
                    + " embedding) are not supported (" + c.origin() + ")");
        }
        int width = 1 << 16;
        int in = c.getInt("in_channels", 16, 1, 4096);
        int heads = c.getInt("num_attention_heads", 1, 1024);
        int headDim = c.getInt("attention_head_dim", 1, width);
        int caption = c.getInt("caption_projection_dim", 1, width);
        if (caption != heads * headDim) {
            throw new ModelLoadException("caption_projection_dim " + caption + " must equal num_attention_heads × attention_head_dim = "
                    + heads * headDim + " (" + c.origin() + ")");
        }
        int layers = c.getInt("num_layers", 1, 512);
        int[] dual = c.has("dual_attention_layers") ? c.getIntArray("dual_attention_layers") : new int[0];
        for (int l : dual) {
            if (l < 0 || l >= layers) {
                throw new ModelLoadException("dual_attention_layers entry " + l + " is not a block index below " + layers
                        + " (" + c.origin() + ")");
            }
        }
        return new SD3TransformerConfig(c.getInt("sample_size", 128, 1, 4096), c.getInt("patch_size", 2, 1, 64), in,
                c.getInt("out_channels", in, 1, 4096), layers, headDim, heads, c.getInt("joint_attention_dim", 1, width), caption,
                c.getInt("pooled_projection_dim", 1, width), c.getInt("pos_embed_max_size", 1, 4096), qk, dual);
    }
}
