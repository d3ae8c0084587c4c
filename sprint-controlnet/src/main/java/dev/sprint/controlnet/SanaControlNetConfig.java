package dev.sprint.controlnet;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Config;

/**
 * {@code controlnet/config.json} of a diffusers {@code SanaControlNetModel}. Defaults are diffusers'
 * constructor defaults (the 1.6B layout with 7 copied blocks).
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
 * @param interpolationScale    sin-cos positional embedding scale, or null for none (Sana)
 */
public record SanaControlNetConfig(int inChannels, int numAttentionHeads, int attentionHeadDim, int numLayers,
                                   int numCrossAttentionHeads, int crossAttentionHeadDim, int crossAttentionDim,
                                   int captionChannels, double mlpRatio, boolean attentionBias, int sampleSize,
                                   int patchSize, boolean normElementwiseAffine, double normEps,
                                   Double interpolationScale) {

    public SanaControlNetConfig {
        if (inChannels < 1 || numAttentionHeads < 1 || attentionHeadDim < 1 || numLayers < 1 || patchSize < 1
                || numCrossAttentionHeads < 1 || crossAttentionHeadDim < 1 || captionChannels < 1) {
            throw new ModelLoadException("invalid SanaControlNetModel config: " + this);
        }
    }

    /** Inner width D. */
    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    public static SanaControlNetConfig from(Config c) {
        String cls = c.getString("_class_name", "SanaControlNetModel");
        if (!cls.equals("SanaControlNetModel")) {
            throw new ModelLoadException(c.origin() + " describes a " + cls + ", expected SanaControlNetModel");
        }
        return new SanaControlNetConfig(
                c.getInt("in_channels", 32),
                c.getInt("num_attention_heads", 70),
                c.getInt("attention_head_dim", 32),
                c.getInt("num_layers", 7),
                c.getInt("num_cross_attention_heads", 20),
                c.getInt("cross_attention_head_dim", 112),
                c.getInt("cross_attention_dim", 2240),
                c.getInt("caption_channels", 2304),
                c.getDouble("mlp_ratio", 2.5),
                c.getBoolean("attention_bias", false),
                c.getInt("sample_size", 32),
                c.getInt("patch_size", 1),
                c.getBoolean("norm_elementwise_affine", false),
                c.getDouble("norm_eps", 1e-6),
                c.has("interpolation_scale") ? c.getDouble("interpolation_scale") : null);
    }
}
