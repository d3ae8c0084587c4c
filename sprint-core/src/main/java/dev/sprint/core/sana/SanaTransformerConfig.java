package dev.sprint.core.sana;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Config;

/**
 * {@code transformer/config.json} of a {@code SanaTransformer2DModel} (SANA-Sprint and base Sana).
 *
 * @param inChannels            latent channels in
 * @param outChannels           latent channels out
 * @param numAttentionHeads     self-attention heads
 * @param attentionHeadDim      self-attention head width (inner = heads × dim)
 * @param numLayers             transformer blocks
 * @param numCrossAttentionHeads cross-attention heads
 * @param crossAttentionHeadDim cross-attention head width
 * @param crossAttentionDim     width of the projected text
 * @param captionChannels       text-encoder width
 * @param mlpRatio              GLUMBConv expansion
 * @param attentionBias         bias on the self-attention q/k/v projections
 * @param sampleSize            latent side at the native resolution (32 for 1024 px)
 * @param patchSize             patch side
 * @param normElementwiseAffine affine norm2 in the blocks
 * @param normEps               LayerNorm epsilon
 * @param qkNorm                "rms_norm_across_heads" or null
 * @param guidanceEmbeds        SANA-Sprint's embedded guidance
 * @param guidanceEmbedsScale   guidance multiplier (0.1)
 */
public record SanaTransformerConfig(int inChannels, int outChannels, int numAttentionHeads, int attentionHeadDim,
                                    int numLayers, int numCrossAttentionHeads, int crossAttentionHeadDim,
                                    int crossAttentionDim, int captionChannels, double mlpRatio, boolean attentionBias,
                                    int sampleSize, int patchSize, boolean normElementwiseAffine, double normEps,
                                    String qkNorm, boolean guidanceEmbeds, double guidanceEmbedsScale) {

    public int innerDim() {
        return numAttentionHeads * attentionHeadDim;
    }

    /** Bounds far above any released Sana (2240 wide, 20–28 blocks). */
    static final int MAX_WIDTH = 1 << 16;
    static final int MAX_LAYERS = 512;
    static final int MAX_HEADS = 1024;

    public static SanaTransformerConfig from(Config c) {
        if (c.has("interpolation_scale")) {
            throw new UnsupportedModelException("Sana transformers with a positional embedding (interpolation_scale set) are not"
                    + " supported yet (" + c.origin() + "); SANA-Sprint checkpoints have none");
        }
        String qk = c.getString("qk_norm", null);
        if (qk != null && !qk.equals("rms_norm_across_heads")) {
            throw new UnsupportedModelException("qk_norm '" + qk + "' is not supported (" + c.origin() + ")");
        }
        int in = c.getInt("in_channels", 1, 4096);
        SanaTransformerConfig cfg = new SanaTransformerConfig(in, c.getInt("out_channels", in, 1, 4096),
                c.getInt("num_attention_heads", 1, MAX_HEADS), c.getInt("attention_head_dim", 1, MAX_WIDTH),
                c.getInt("num_layers", 1, MAX_LAYERS), c.getInt("num_cross_attention_heads", 1, MAX_HEADS),
                c.getInt("cross_attention_head_dim", 1, MAX_WIDTH), c.getInt("cross_attention_dim", 1, MAX_WIDTH),
                c.getInt("caption_channels", 1, MAX_WIDTH), c.getPositive("mlp_ratio", 2.5, 64),
                c.getBoolean("attention_bias", false), c.getInt("sample_size", 32, 1, 4096), c.getInt("patch_size", 1, 1, 64),
                c.getBoolean("norm_elementwise_affine", false), c.getDouble("norm_eps", 1e-6, 0, 1), qk,
                c.getBoolean("guidance_embeds", false), c.getDouble("guidance_embeds_scale", 0.1, 0, 1000));
        if ((long) cfg.numAttentionHeads() * cfg.attentionHeadDim() > MAX_WIDTH) {
            throw new ModelLoadException("num_attention_heads × attention_head_dim = "
                    + (long) cfg.numAttentionHeads() * cfg.attentionHeadDim() + " exceeds " + MAX_WIDTH + " (" + c.origin() + ")");
        }
        return cfg;
    }
}
