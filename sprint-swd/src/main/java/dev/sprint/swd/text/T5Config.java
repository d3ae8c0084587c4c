package dev.sprint.swd.text;

import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Config;

/**
 * {@code config.json} of transformers' {@code T5EncoderModel} (SD3's T5 v1.1 XXL encoder).
 *
 * @param vocabSize       embedding rows (32128; the tokenizer has fewer ids)
 * @param dModel          width
 * @param dKv             head width
 * @param dFf             feed-forward width
 * @param numLayers       encoder blocks
 * @param numHeads        heads
 * @param numBuckets      relative attention buckets (both directions together)
 * @param maxDistance     relative distance mapped to the last bucket
 * @param layerNormEps    RMS norm epsilon
 * @param denseAct        activation of the (gated) feed-forward ("gelu_new" for v1.1)
 * @param gated           gated feed-forward (wi_0, wi_1) as in v1.1, else a single wi
 */
public record T5Config(int vocabSize, int dModel, int dKv, int dFf, int numLayers, int numHeads, int numBuckets,
                       int maxDistance, double layerNormEps, String denseAct, boolean gated) {
    public static T5Config from(Config c) {
        String ff = c.getString("feed_forward_proj", "relu");
        boolean gated = ff.startsWith("gated-");
        // transformers derives the activation from feed_forward_proj (dense_act_fn in the file is ignored)
        String act = ff.substring(ff.lastIndexOf('-') + 1);
        if (ff.equals("gated-gelu")) act = "gelu_new";
        if (c.has("is_decoder") && c.getBoolean("is_decoder")) {
            throw new UnsupportedModelException(c.origin() + " is a T5 decoder; SD3 needs the encoder");
        }
        return new T5Config(c.getInt("vocab_size"), c.getInt("d_model"), c.getInt("d_kv"), c.getInt("d_ff"),
                c.getInt("num_layers"), c.getInt("num_heads"), c.getInt("relative_attention_num_buckets", 32),
                c.getInt("relative_attention_max_distance", 128), c.getDouble("layer_norm_epsilon", 1e-6), act, gated);
    }

    public int innerDim() {
        return numHeads * dKv;
    }
}
