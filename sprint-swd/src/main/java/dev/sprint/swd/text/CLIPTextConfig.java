package dev.sprint.swd.text;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Config;
import dev.sprint.core.nn.Activation;

/**
 * {@code config.json} of transformers' {@code CLIPTextModelWithProjection} (SD3's CLIP-L and OpenCLIP bigG),
 * validated: counts and widths positive and bounded, the width a multiple of the heads.
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
        int width = 1 << 16;
        int hidden = c.getInt("hidden_size", 1, width);
        int heads = c.getInt("num_attention_heads", 1, 1024);
        if (hidden % heads != 0) {
            throw new ModelLoadException("hidden_size " + hidden + " is not a multiple of num_attention_heads " + heads
                    + " (" + c.origin() + ")");
        }
        String act = c.getString("hidden_act", "quick_gelu");
        Activation.of(act, c.origin());
        return new CLIPTextConfig(c.getInt("vocab_size", 1, 1 << 22), hidden, c.getInt("intermediate_size", 1, 1 << 20),
                c.getInt("num_hidden_layers", 1, 512), heads, c.getInt("max_position_embeddings", 77, 1, 1 << 16), act,
                c.getDouble("layer_norm_eps", 1e-5, 0, 1), c.getInt("projection_dim", hidden, 1, width),
                c.getInt("eos_token_id", 2, 0, 1 << 22));
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}
