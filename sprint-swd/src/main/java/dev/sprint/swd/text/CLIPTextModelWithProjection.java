package dev.sprint.swd.text;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Activation;
import dev.sprint.core.nn.BlockStack;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.nn.Embedding;
import dev.sprint.core.nn.LayerNorm;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.Model;
import dev.sprint.core.nn.ModelLoader;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.DType;

import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' {@code CLIPTextModelWithProjection}: token + position embeddings, pre-LN encoder layers
 * with causal self-attention (no padding mask: SD3 passes none, so pads are attended), final LayerNorm,
 * and the text projection of the pooled token. Weight names: {@code text_model.*} and {@code text_projection}.
 */
public final class CLIPTextModelWithProjection extends Model<CLIPTextConfig> {
    /**
     * What SD3 reads from one pass.
     *
     * @param penultimate {@code hidden_states[-2]}: output of the second-to-last layer, no final norm (B, L, D)
     * @param lastHidden  {@code last_hidden_state}: final layer, final norm applied (B, L, D)
     * @param textEmbeds  projection of the pooled (eos) token of {@code lastHidden} (B, P)
     */
    public record Output(Tensor penultimate, Tensor lastHidden, Tensor textEmbeds) {}

    private final Embedding tokenEmbedding;
    private final Tensor positionEmbedding;
    private final BlockStack<CLIPEncoderLayer> layers;
    private final LayerNorm finalLayerNorm;
    private final Linear textProjection;

    public CLIPTextModelWithProjection(CLIPTextConfig c, Weights w, WeightSource owned) {
        super(c, w, owned);
        Weights tm = w.sub("text_model");
        tokenEmbedding = new Embedding(tm.sub("embeddings").sub("token_embedding"), c.vocabSize(), c.hiddenSize());
        positionEmbedding = tm.sub("embeddings").sub("position_embedding").take("weight", c.maxPositionEmbeddings(), c.hiddenSize());
        layers = new BlockStack<>(w.backend(), c.numHiddenLayers(), i -> new CLIPEncoderLayer(c, tm.sub("encoder").sub("layers").sub(i)),
                i -> new CLIPEncoderLayer(c, tm.sub("encoder").sub("layers").sub(i).on(new dev.sprint.core.plan.MetaBackend())));
        finalLayerNorm = new LayerNorm(tm.sub("final_layer_norm"), c.hiddenSize(), c.layerNormEps(), true, true);
        textProjection = new Linear(w.sub("text_projection"), c.hiddenSize(), c.projectionDim(), false);
    }

    /** Loads {@code text_encoder/} or {@code text_encoder_2/}. */
    public static CLIPTextModelWithProjection load(Path dir, TensorBackend backend) {
        return ModelLoader.load(dir, backend, CLIPTextConfig::from, CLIPTextModelWithProjection::new);
    }


    @Override
    public void close() {
        layers.close();
        super.close();
    }

    /** Runs the model on token ids {@code [B][L]} (L ≤ max positions). */
    public Output forward(long[][] ids) {
        int b = ids.length;
        int len = ids[0].length;
        if (len > config().maxPositionEmbeddings()) {
            throw new InvalidRequestException("CLIP input of " + len + " tokens exceeds " + config().maxPositionEmbeddings() + " positions");
        }
        Tensor embeds = tokenEmbedding.forward(backend(), ids, "CLIP"); // rows read on the host from the checkpoint
        long[] pooledIndex = new long[b];
        for (int i = 0; i < b; i++) pooledIndex[i] = i * (long) len + poolPosition(ids[i]);
        Tensor mask = backend().fromFloats(causalMask(len), 1, 1, len, len);
        Tensor pool = backend().fromLongs(pooledIndex, b);
        List<Tensor> out = call("clip_text", List.of(embeds, mask, pool), t -> {
            Output o = forwardGraph(t.get(0), t.get(1), t.get(2));
            return List.of(o.penultimate(), o.lastHidden(), o.textEmbeds());
        });
        return new Output(out.get(0), out.get(1), out.get(2));
    }

    /**
     * The pass as a tensor function.
     *
     * @param embeds      token embeddings (B, L, hidden)
     * @param causalMask  additive (1, 1, L, L), see {@link #causalMask}
     * @param pooledIndex (B) int64 flat indices b·L + position of the pooled token
     */
    public Output forwardGraph(Tensor embeds, Tensor causalMask, Tensor pooledIndex) {
        long b = embeds.size(0);
        long len = embeds.size(1);
        Tensor h = embeds.add(positionEmbedding.slice(0, 0, len));
        Tensor penultimate = h;
        for (int i = 0; i < layers.size(); i++) {
            boolean last = i == layers.size() - 1;
            if (last) penultimate = h; // an output: kept
            h = layers.run(i, h, (layer, x) -> layer.forward(x, causalMask), i > 0 && !last);
        }
        if (layers.size() == 0) penultimate = h;
        Tensor last = finalLayerNorm.forward(h);
        Tensor pooled = backend().indexSelect(last.reshape(b * len, config().hiddenSize()), 0, pooledIndex);
        return new Output(penultimate, last, textProjection.forward(pooled));
    }

    /** Legacy pooling (eos_token_id 2): the first maximal id, which is eos in CLIP vocabularies; else the first eos. */
    int poolPosition(long[] ids) {
        int best = 0;
        for (int j = 0; j < ids.length; j++) {
            if (config().eosTokenId() == 2 ? ids[j] > ids[best] : ids[j] == config().eosTokenId()) {
                best = j;
                if (config().eosTokenId() != 2) return j;
            }
        }
        return best;
    }

    /** 0 on and below the diagonal, the dtype's most negative value above it. */
    public float[] causalMask(int len) {
        float min = backend().floatType().lowest();
        float[] m = new float[len * len];
        for (int i = 0; i < len; i++) for (int j = i + 1; j < len; j++) m[i * len + j] = min;
        return m;
    }

    /** {@code CLIPEncoderLayer}: x + attn(ln1(x)); x + mlp(ln2(x)). */
    public static final class CLIPEncoderLayer {
        private final LayerNorm layerNorm1;
        private final CLIPAttention selfAttn;
        private final LayerNorm layerNorm2;
        private final Linear fc1;
        private final Linear fc2;
        private final Activation act;

        CLIPEncoderLayer(CLIPTextConfig c, Weights w) {
            layerNorm1 = new LayerNorm(w.sub("layer_norm1"), c.hiddenSize(), c.layerNormEps(), true, true);
            selfAttn = new CLIPAttention(c, w.sub("self_attn"));
            layerNorm2 = new LayerNorm(w.sub("layer_norm2"), c.hiddenSize(), c.layerNormEps(), true, true);
            fc1 = new Linear(w.sub("mlp").sub("fc1"), c.hiddenSize(), c.intermediateSize(), true);
            fc2 = new Linear(w.sub("mlp").sub("fc2"), c.intermediateSize(), c.hiddenSize(), true);
            act = Activation.of(c.hiddenAct());
        }

        Tensor forward(Tensor x, Tensor mask) {
            x = x.add(selfAttn.forward(layerNorm1.forward(x), mask));
            return x.add(fc2.forward(act.apply(fc1.forward(layerNorm2.forward(x)))));
        }
    }

    /** {@code CLIPAttention}: q scaled by head_dim^-0.5 before q·kᵀ, additive causal mask, softmax. */
    public static final class CLIPAttention {
        private final Linear qProj;
        private final Linear kProj;
        private final Linear vProj;
        private final Linear outProj;
        private final int heads;
        private final int headDim;

        CLIPAttention(CLIPTextConfig c, Weights w) {
            qProj = new Linear(w.sub("q_proj"), c.hiddenSize(), c.hiddenSize(), true);
            kProj = new Linear(w.sub("k_proj"), c.hiddenSize(), c.hiddenSize(), true);
            vProj = new Linear(w.sub("v_proj"), c.hiddenSize(), c.hiddenSize(), true);
            outProj = new Linear(w.sub("out_proj"), c.hiddenSize(), c.hiddenSize(), true);
            heads = c.numAttentionHeads();
            headDim = c.headDim();
        }

        Tensor forward(Tensor x, Tensor mask) {
            long b = x.size(0);
            long len = x.size(1);
            Tensor q = split(qProj.forward(x).mul(Math.pow(headDim, -0.5)), b, len);
            Tensor k = split(kProj.forward(x), b, len);
            Tensor v = split(vProj.forward(x), b, len);
            Tensor o = x.backend().attention(q, k, v, mask, 1.0);
            return outProj.forward(o.permute(0, 2, 1, 3).reshape(b, len, (long) heads * headDim));
        }

        private Tensor split(Tensor t, long b, long len) {
            return t.reshape(b, len, heads, headDim).permute(0, 2, 1, 3);
        }
    }
}
