package dev.sprint.swd.text;

import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Activation;
import dev.sprint.core.nn.BlockStack;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.nn.Embedding;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.RMSNorm;
import dev.sprint.core.nn.Model;
import dev.sprint.core.nn.ModelLoader;
import dev.sprint.core.nn.Weights;

import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code T5EncoderModel}: shared embedding, pre-RMS-norm blocks of unscaled self-attention
 * (no 1/√d) plus a relative position bias that only block 0 stores and all blocks reuse, gated-GELU
 * feed-forward, final RMS norm. SD3 passes no attention mask, so pads are attended.
 */
public final class T5EncoderModel extends Model<T5Config> {
    private final Embedding shared;
    private final Tensor relativeAttentionBias; // (buckets, heads), of block 0
    private final BlockStack<T5Block> block;
    private final RMSNorm finalLayerNorm;

    public T5EncoderModel(T5Config c, Weights w, WeightSource owned) {
        super(c, w, owned);
        // T5EncoderModel ties encoder.embed_tokens to shared; checkpoints hold one or both names
        Weights emb = w.has("shared.weight") ? w.sub("shared") : w.sub("encoder").sub("embed_tokens");
        shared = new Embedding(emb, c.vocabSize(), c.dModel());
        // the tied copy is the same table: checked and marked, never uploaded
        if (w.has("shared.weight") && w.has("encoder.embed_tokens.weight")) w.sub("encoder").sub("embed_tokens").data("weight", c.vocabSize(), c.dModel());
        Weights enc = w.sub("encoder");
        relativeAttentionBias = enc.sub("block").sub(0).sub("layer").sub(0).sub("SelfAttention").sub("relative_attention_bias")
                .take("weight", c.numBuckets(), c.numHeads());
        block = new BlockStack<>(w.backend(), c.numLayers(), i -> new T5Block(c, enc.sub("block").sub(i)),
                i -> new T5Block(c, enc.sub("block").sub(i).on(new dev.sprint.core.plan.MetaBackend())));
        finalLayerNorm = new RMSNorm(enc.sub("final_layer_norm"), c.dModel(), c.layerNormEps(), true);
    }

    /** Loads {@code text_encoder_3/} (single or sharded safetensors). */
    public static T5EncoderModel load(Path dir, TensorBackend backend) {
        return ModelLoader.load(dir, backend, T5Config::from, T5EncoderModel::new);
    }

    /** {@code last_hidden_state} (B, L, d_model) of token ids {@code [B][L]}. */
    public Tensor forward(long[][] ids) {
        int b = ids.length;
        int len = ids[0].length;
        Tensor embeds = shared.forward(backend(), ids, "T5"); // rows read on the host from the checkpoint
        Tensor buckets = backend().fromLongs(relativeBuckets(len, config().numBuckets(), config().maxDistance()), (long) len * len);
        return call("t5_encoder", List.of(embeds, buckets), t -> List.of(forwardGraph(t.get(0), t.get(1)))).get(0);
    }

    /**
     * The pass as a tensor function.
     *
     * @param embeds  token embeddings (B, L, d_model)
     * @param buckets (L·L) int64 bucket of (query i, key j) at i·L + j, see {@link #relativeBuckets}
     */
    public Tensor forwardGraph(Tensor embeds, Tensor buckets) {
        long len = embeds.size(1);
        Tensor h = embeds;
        // (L·L, H) → (1, H, L, L)
        Tensor bias = backend().indexSelect(relativeAttentionBias, 0, buckets)
                .reshape(len, len, config().numHeads()).permute(2, 0, 1).reshape(1, config().numHeads(), len, len);
        for (int i = 0; i < block.size(); i++) h = block.run(i, h, (blk, x) -> blk.forward(x, bias), i > 0);
        return finalLayerNorm.forward(h);
    }

    @Override
    public void close() {
        block.close();
        super.close();
    }

    /**
     * T5's bidirectional relative position buckets for memory − query distances, computed in float32
     * like {@code T5Attention._relative_position_bucket}: half the buckets per direction, exact below
     * half of those, logarithmic up to {@code maxDistance}, clamped to the last bucket.
     */
    public static long[] relativeBuckets(int len, int numBuckets, int maxDistance) {
        int half = numBuckets / 2;
        int maxExact = half / 2;
        float logRange = (float) Math.log((double) maxDistance / maxExact);
        long[] out = new long[len * len];
        for (int q = 0; q < len; q++) {
            for (int k = 0; k < len; k++) {
                int rel = k - q;
                long bucket = rel > 0 ? half : 0;
                int n = Math.abs(rel);
                if (n < maxExact) {
                    bucket += n;
                } else {
                    float ratio = (float) Math.log((float) n / (float) maxExact);
                    long large = maxExact + (long) (ratio / logRange * (float) (half - maxExact));
                    bucket += Math.min(large, half - 1);
                }
                out[q * len + k] = bucket;
            }
        }
        return out;
    }

    /** {@code T5Block} of the encoder: self-attention layer then feed-forward layer, both pre-norm residual. */
    public static final class T5Block {
        private final RMSNorm attnLayerNorm;
        private final Linear q;
        private final Linear k;
        private final Linear v;
        private final Linear o;
        private final RMSNorm ffLayerNorm;
        private final Linear wi0;
        private final Linear wi1;
        private final Linear wo;
        private final Activation act;
        private final T5Config c;

        T5Block(T5Config c, Weights w) {
            this.c = c;
            Weights attn = w.sub("layer").sub(0);
            attnLayerNorm = new RMSNorm(attn.sub("layer_norm"), c.dModel(), c.layerNormEps(), true);
            Weights sa = attn.sub("SelfAttention");
            q = new Linear(sa.sub("q"), c.dModel(), c.innerDim(), false);
            k = new Linear(sa.sub("k"), c.dModel(), c.innerDim(), false);
            v = new Linear(sa.sub("v"), c.dModel(), c.innerDim(), false);
            o = new Linear(sa.sub("o"), c.innerDim(), c.dModel(), false);
            Weights ff = w.sub("layer").sub(1);
            ffLayerNorm = new RMSNorm(ff.sub("layer_norm"), c.dModel(), c.layerNormEps(), true);
            Weights d = ff.sub("DenseReluDense");
            if (c.gated()) {
                wi0 = new Linear(d.sub("wi_0"), c.dModel(), c.dFf(), false);
                wi1 = new Linear(d.sub("wi_1"), c.dModel(), c.dFf(), false);
            } else {
                wi0 = new Linear(d.sub("wi"), c.dModel(), c.dFf(), false);
                wi1 = null;
            }
            wo = new Linear(d.sub("wo"), c.dFf(), c.dModel(), false);
            act = Activation.of(c.denseAct());
        }

        Tensor forward(Tensor x, Tensor positionBias) {
            long b = x.size(0);
            long len = x.size(1);
            Tensor n = attnLayerNorm.forward(x);
            Tensor qh = heads(q.forward(n), b, len);
            Tensor kh = heads(k.forward(n), b, len);
            Tensor vh = heads(v.forward(n), b, len);
            Tensor a = x.backend().attention(qh, kh, vh, positionBias, 1.0); // T5 does not scale scores
            x = x.add(o.forward(a.permute(0, 2, 1, 3).reshape(b, len, c.innerDim())));
            n = ffLayerNorm.forward(x);
            Tensor hidden = act.apply(wi0.forward(n));
            if (wi1 != null) hidden = hidden.mul(wi1.forward(n));
            return x.add(wo.forward(hidden));
        }

        private Tensor heads(Tensor t, long b, long len) {
            return t.reshape(b, len, c.numHeads(), c.dKv()).permute(0, 2, 1, 3);
        }
    }
}
