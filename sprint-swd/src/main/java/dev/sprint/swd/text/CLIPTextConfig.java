package dev.sprint.swd.text;

import dev.sprint.core.io.Config;

/**
 * {@code config.json} of transformers' {@code CLIPTextModelWithProjection} (SD3's CLIP-L and OpenCLIP bigG).
 *
 * @param vocabSize             token embedding rows
 * @param hiddenSize            width
 * @param intermediateSize      MLP width
 * @param numHiddenLayers       encoder layers
 * @param numAttentionHeads     heads
 * @param maxPositionEmbeddings positions (77)
 * @param hiddenAct             "quick_gelu" (CLIP-L) or "gelu" (bigG)
 * @param layerNormEps          LayerNorm epsilon
 * @param projectionDim         text projection width
 * @param eosTokenId            2 in the released configs, which selects the legacy pooling (argmax of the ids)
 */
public record CLIPTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int numHiddenLayers,
                             int numAttentionHeads, int maxPositionEmbeddings, String hiddenAct, double layerNormEps,
                             int projectionDim, int eosTokenId) {
    public static CLIPTextConfig from(Config c) {
        int hidden = c.getInt("hidden_size");
        return new CLIPTextConfig(c.getInt("vocab_size"), hidden, c.getInt("intermediate_size"),
                c.getInt("num_hidden_layers"), c.getInt("num_attention_heads"), c.getInt("max_position_embeddings", 77),
                c.getString("hidden_act", "quick_gelu"), c.getDouble("layer_norm_eps", 1e-5),
                c.getInt("projection_dim", hidden), c.getInt("eos_token_id", 2));
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}
