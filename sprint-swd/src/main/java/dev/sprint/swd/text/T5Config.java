package dev.sprint.swd.text;

import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Config;
import dev.sprint.core.nn.Activation;

/**
 * {@code config.json} of transformers' {@code T5EncoderModel} (SD3's T5 v1.1 XXL encoder), validated:
 * counts and widths positive and bounded, epsilon non-negative.
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
        Activation.of(act, c.origin());
        int width = 1 << 16;
        int buckets = c.getInt("relative_attention_num_buckets", 32, 4, 4096);
        int maxDistance = c.getInt("relative_attention_max_distance", 128, buckets / 4 + 1, 1 << 20);
        return new T5Config(c.getInt("vocab_size", 1, 1 << 22), c.getInt("d_model", 1, width), c.getInt("d_kv", 1, width),
                c.getInt("d_ff", 1, 1 << 20), c.getInt("num_layers", 1, 512), c.getInt("num_heads", 1, 1024), buckets,
                maxDistance, c.getDouble("layer_norm_epsilon", 1e-6, 0, 1), act, gated);
    }

    public int innerDim() {
        return numHeads * dKv;
    }
}
