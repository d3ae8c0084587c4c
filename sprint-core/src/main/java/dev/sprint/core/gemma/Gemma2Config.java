package dev.sprint.core.gemma;

import dev.sprint.core.io.Config;

/**
 * The fields of a transformers {@code Gemma2Config} that the encoder uses.
 *
 * @param hiddenSize            model width
 * @param numLayers             decoder layers
 * @param numHeads              query heads
 * @param numKvHeads            key/value heads (grouped-query attention)
 * @param headDim               per-head width (not hiddenSize / numHeads in Gemma-2)
 * @param intermediateSize      MLP width
 * @param vocabSize             embedding rows
 * @param rmsNormEps            RMSNorm epsilon
 * @param ropeTheta             RoPE base
 * @param queryPreAttnScalar    attention scores are scaled by its inverse square root
 * @param attnLogitSoftcapping  cap of {@code cap·tanh(s/cap)} on attention scores, or 0 for none
 * @param slidingWindow         window of the even (sliding) layers
 * @param hiddenActivation      MLP activation (gelu_pytorch_tanh)
 */
public record Gemma2Config(int hiddenSize, int numLayers, int numHeads, int numKvHeads, int headDim,
                           int intermediateSize, int vocabSize, double rmsNormEps, double ropeTheta,
                           double queryPreAttnScalar, double attnLogitSoftcapping, int slidingWindow,
                           String hiddenActivation) {

    public static Gemma2Config from(Config c) {
        int hidden = c.getInt("hidden_size");
        int heads = c.getInt("num_attention_heads");
        String act = c.getString("hidden_activation", c.getString("hidden_act", "gelu_pytorch_tanh"));
        return new Gemma2Config(hidden, c.getInt("num_hidden_layers"), heads,
                c.getInt("num_key_value_heads", heads), c.getInt("head_dim", hidden / heads),
                c.getInt("intermediate_size"), c.getInt("vocab_size"), c.getDouble("rms_norm_eps", 1e-6),
                c.getDouble("rope_theta", 10000.0), c.getDouble("query_pre_attn_scalar", c.getInt("head_dim", hidden / heads)),
                c.getDouble("attn_logit_softcapping", 0.0), c.getInt("sliding_window", 4096), act);
    }

    /** transformers: layers with an even index use the sliding window. */
    public boolean isSliding(int layer) {
        return layer % 2 == 0;
    }
}
