package dev.sprint.core.gemma;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Config;
import dev.sprint.core.nn.Activation;

/**
 * The fields of a transformers {@code Gemma2Config} that the encoder uses, validated: sizes and counts are
 * positive and bounded, epsilons non-negative, the soft-cap positive. Absent optional keys take
 * transformers' defaults.
 *
 * @param hiddenSize            model width
 * @param numLayers             decoder layers
 * @param numHeads              query heads
 * @param numKvHeads            key/value heads (grouped-query attention; divides numHeads)
 * @param headDim               per-head width (not hiddenSize / numHeads in Gemma-2)
 * @param intermediateSize      MLP width
 * @param vocabSize             embedding rows
 * @param rmsNormEps            RMSNorm epsilon
 * @param ropeTheta             RoPE base
 * @param queryPreAttnScalar    attention scores are scaled by its inverse square root
 * @param attnLogitSoftcapping  cap of {@code cap·tanh(s/cap)} on attention scores, or null for none
 *                              ({@code "attn_logit_softcapping": null})
 * @param slidingWindow         window of the even (sliding) layers
 * @param hiddenActivation      MLP activation (gelu_pytorch_tanh)
 * @param attentionBias         bias on q/k/v/o projections ({@code attention_bias})
 * @param weightPrefix          "" for a {@code Gemma2Model} checkpoint, "model." for {@code Gemma2ForCausalLM}
 */
public record Gemma2Config(int hiddenSize, int numLayers, int numHeads, int numKvHeads, int headDim,
                           int intermediateSize, int vocabSize, double rmsNormEps, double ropeTheta,
                           double queryPreAttnScalar, Double attnLogitSoftcapping, int slidingWindow,
                           String hiddenActivation, boolean attentionBias, String weightPrefix) {
    /** Upper bounds far above any released Gemma-2 (2304 wide, 26 layers, 256k vocabulary). */
    static final int MAX_WIDTH = 65_536;
    static final int MAX_LAYERS = 512;
    static final int MAX_HEADS = 1024;
    static final int MAX_VOCAB = 1 << 22;

    public static Gemma2Config from(Config c) {
        int hidden = c.getInt("hidden_size", 1, MAX_WIDTH);
        int heads = c.getInt("num_attention_heads", 1, MAX_HEADS);
        int kv = c.getInt("num_key_value_heads", heads, 1, heads);
        if (heads % kv != 0) {
            throw new ModelLoadException("num_attention_heads " + heads + " is not a multiple of num_key_value_heads " + kv
                    + " in " + c.origin());
        }
        String act = c.getString("hidden_activation", c.getString("hidden_act", "gelu_pytorch_tanh"));
        Activation.of(act, c.origin());
        Double cap;
        if (c.isNull("attn_logit_softcapping")) {
            cap = null;
        } else {
            cap = c.getPositive("attn_logit_softcapping", 50.0, 1e6);
        }
        String prefix = c.has("architectures") && c.getStringList("architectures").contains("Gemma2ForCausalLM") ? "model." : "";
        int headDim = c.getInt("head_dim", 256, 2, MAX_WIDTH);
        if (headDim % 2 != 0) throw new ModelLoadException("head_dim " + headDim + " must be even (RoPE) in " + c.origin());
        return new Gemma2Config(hidden, c.getInt("num_hidden_layers", 1, MAX_LAYERS), heads, kv, headDim,
                c.getInt("intermediate_size", 1, 1 << 20), c.getInt("vocab_size", 1, MAX_VOCAB),
                c.getDouble("rms_norm_eps", 1e-6, 0, 1), c.getPositive("rope_theta", 10000.0, 1e12),
                c.getPositive("query_pre_attn_scalar", 256, 1e9), cap, c.getInt("sliding_window", 4096, 1, 1 << 24), act,
                c.getBoolean("attention_bias", false), prefix);
    }

    /** transformers: layers with an even index use the sliding window. */
    public boolean isSliding(int layer) {
        return layer % 2 == 0;
    }
}
