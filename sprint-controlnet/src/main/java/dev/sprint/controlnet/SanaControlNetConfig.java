package dev.sprint.controlnet;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Config;
import dev.sprint.core.sana.SanaTransformerConfig;

/**
 * {@code controlnet/config.json} of a diffusers {@code SanaControlNetModel}. Defaults are diffusers'
 * constructor defaults (the 1.6B layout with 7 copied blocks); every count and width is positive and bounded.
 *
 * @param inChannels            latent channels of the input and of the control latent
 * @param numAttentionHeads     self-attention heads
 * @param attentionHeadDim      self-attention head width; inner width D = heads·head_dim
 * @param numLayers             copied transformer blocks (= number of block samples)
 * @param numCrossAttentionHeads cross-attention heads
 * @param crossAttentionHeadDim cross-attention head width
 * @param crossAttentionDim     cross-attention key/value width
 * @param captionChannels       text-encoder hidden size
 * @param mlpRatio              GLUMBConv expansion
 * @param attentionBias         bias on the self-attention q/k/v projections
 * @param sampleSize            latent sample size (for positional embeddings, none in Sana)
 * @param patchSize             patch size of the patch embedding
 * @param normElementwiseAffine affine LayerNorms in the blocks
 * @param normEps               LayerNorm eps
 */
public record SanaControlNetConfig(int inChannels, int numAttentionHeads, int attentionHeadDim, int numLayers,
                                   int numCrossAttentionHeads, int crossAttentionHeadDim, int crossAttentionDim,
                                   int captionChannels, double mlpRatio, boolean attentionBias, int sampleSize,
                                   int patchSize, boolean normElementwiseAffine, double normEps) {

    /** Inner width D. */
    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** The copied blocks' configuration: core's Sana blocks as a base (non-Sprint) transformer builds them. */
    public SanaTransformerConfig blockConfig() {
        return new SanaTransformerConfig(inChannels, inChannels, numAttentionHeads, attentionHeadDim, numLayers,
                numCrossAttentionHeads, crossAttentionHeadDim, crossAttentionDim, captionChannels, mlpRatio,
                attentionBias, sampleSize, patchSize, normElementwiseAffine, normEps, null, false, 0.1);
    }

    /** Parses and validates {@code controlnet/config.json} (diffusers' defaults for absent keys). */
    public static SanaControlNetConfig from(Config c) {
        String cls = c.getString("_class_name", "SanaControlNetModel");
        if (!cls.equals("SanaControlNetModel")) {
            throw new ModelLoadException(c.origin() + " describes a " + cls + ", expected SanaControlNetModel");
        }
        if (c.has("interpolation_scale")) {
            throw new UnsupportedModelException("SanaControlNetModel with interpolation_scale (sin-cos positional embedding)"
                    + " is not supported (" + c.origin() + "); Sana checkpoints use null");
        }
        int width = 1 << 16;
        int heads = c.getInt("num_attention_heads", 70, 1, 1024);
        int headDim = c.getInt("attention_head_dim", 32, 1, width);
        if ((long) heads * headDim > width) {
            throw new ModelLoadException("num_attention_heads × attention_head_dim exceeds " + width + " (" + c.origin() + ")");
        }
        return new SanaControlNetConfig(
                c.getInt("in_channels", 32, 1, 4096), heads, headDim,
                c.getInt("num_layers", 7, 1, 512),
                c.getInt("num_cross_attention_heads", 20, 1, 1024),
                c.getInt("cross_attention_head_dim", 112, 1, width),
                c.getInt("cross_attention_dim", 2240, 1, width),
                c.getInt("caption_channels", 2304, 1, width),
                c.getPositive("mlp_ratio", 2.5, 64),
                c.getBoolean("attention_bias", false),
                c.getInt("sample_size", 32, 1, 4096),
                c.getInt("patch_size", 1, 1, 64),
                c.getBoolean("norm_elementwise_affine", false),
                c.getDouble("norm_eps", 1e-6, 0, 1));
    }
}
