package dev.sprint.core.gemma;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Activation;
import dev.sprint.core.nn.BlockStack;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.plan.MetaBackend;
import dev.sprint.core.nn.Embedding;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.RMSNorm;
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
 * transformers' {@code Gemma2Model} (the decoder stack of Gemma-2 without the LM head), used as
 * SANA's text encoder: returns the last hidden state after the final norm. Eager attention with
 * logit soft-capping, grouped-query attention, RoPE, alternating sliding-window (even layers) and
 * global layers, additive {@code finfo.min} masks.
 */
public final class Gemma2Model extends Model<Gemma2Config> {
    private final Embedding embedTokens;
    private final BlockStack<Gemma2DecoderLayer> layers;
    private final RMSNorm norm;

    public Gemma2Model(Gemma2Config config, Weights w, WeightSource owned) {
        super(config, w, owned);
        // a Gemma2ForCausalLM checkpoint (architectures in config.json) keeps the decoder under "model."
        Weights root = config().weightPrefix().isEmpty() ? w : w.sub("model");
        embedTokens = new Embedding(root.sub("embed_tokens"), config().vocabSize(), config().hiddenSize());
        layers = new BlockStack<>(w.backend(), config().numLayers(), i -> new Gemma2DecoderLayer(config, root.sub("layers").sub(i)),
                i -> new Gemma2DecoderLayer(config, root.sub("layers").sub(i).on(new MetaBackend())));
        norm = RMSNorm.gemma(root.sub("norm"), config().hiddenSize(), config().rmsNormEps());
    }

    /** Whether the decoder layers are built per pass, one at a time (a low-memory plan), instead of held. */
    public boolean streamed() {
        return layers.streamed();
    }

    /** Loads {@code text_encoder/} (config.json + safetensors, single or sharded). */
    public static Gemma2Model load(Path dir, TensorBackend backend) {
        return ModelLoader.load(dir, backend, Gemma2Config::from, Gemma2Model::new);
    }

    /**
     * Last hidden state (B, L, hidden) after the final norm.
     *
     * @param inputIds      token ids {@code [B][L]}
     * @param attentionMask 1 for real tokens, 0 for padding, {@code [B][L]}
     */
    public Tensor forward(long[][] inputIds, long[][] attentionMask) {
        int b = inputIds.length;
        int len = inputIds[0].length;
        for (long[] m : attentionMask) if (m.length != len) throw new InvalidRequestException("ragged token batch");
        Tensor embeds = embedTokens.forward(backend(), inputIds, "Gemma"); // rows read on the host from the checkpoint
        Tensor globalMask = backend().fromFloats(mask(attentionMask, len, Integer.MAX_VALUE), b, 1, len, len);
        Tensor slidingMask = backend().fromFloats(mask(attentionMask, len, config().slidingWindow()), b, 1, len, len);
        float[][] rope = rope(len);
        Tensor cos = backend().fromFloats(rope[0], len, config().headDim());
        Tensor sin = backend().fromFloats(rope[1], len, config().headDim());
        List<Tensor> in = List.of(embeds, globalMask, slidingMask, cos, sin);
        return call("gemma2", in, t -> List.of(forwardGraph(t.get(0), t.get(1), t.get(2), t.get(3), t.get(4)))).get(0);
    }

    /**
     * The forward pass as a pure tensor function (what backends trace and {@code export-onnx} writes).
     *
     * @param inputsEmbeds the token embeddings (B, L, hidden), see {@link Embedding#forward}
     * @param globalMask   additive mask (B, 1, L, L) of the global layers (see {@link #mask})
     * @param slidingMask  additive mask (B, 1, L, L) of the sliding-window layers
     * @param cos          RoPE cosines (L, head_dim)
     * @param sin          RoPE sines (L, head_dim)
     */
    public Tensor forwardGraph(Tensor inputsEmbeds, Tensor globalMask, Tensor slidingMask, Tensor cos, Tensor sin) {
        Tensor h = inputsEmbeds;
        // transformers multiplies by sqrt(hidden) cast to the activation dtype
        h = h.mul((double) (float) Math.sqrt(config().hiddenSize()));
        for (int i = 0; i < layers.size(); i++) {
            Tensor mask = config().isSliding(i) ? slidingMask : globalMask;
            h = layers.run(i, h, (layer, x) -> layer.forward(x, mask, cos, sin), i > 0);
        }
        return norm.forward(h);
    }

    @Override
    public void close() {
        layers.close();
        super.close();
    }

    /**
     * The keys and values every layer computes for a token prefix (batch 1, all real tokens), and the prefix's last
     * hidden states: a later sequence that starts with the same tokens reuses them (Gemma-2 is causal, so positions
     * before P do not depend on what follows). Held by whoever computed it; its tensors live as long as they do.
     *
     * @param ids    the prefix's token ids
     * @param keys   per layer (1, KV, P, hd), after RoPE
     * @param values per layer (1, KV, P, hd)
     * @param hidden (1, P, hidden) after the final norm
     */
    public record PrefixCache(long[] ids, List<Tensor> keys, List<Tensor> values, Tensor hidden) {
        public int length() {
            return ids.length;
        }
    }

    /** Runs a prefix (batch 1) and keeps what later sequences that start with it need. */
    public PrefixCache prefix(long[] ids) {
        List<Tensor> out = forwardCached(ids, 0, null);
        int n = layers.size();
        return new PrefixCache(ids.clone(), out.subList(1, 1 + n), out.subList(1 + n, 1 + 2 * n), out.get(0));
    }

    /**
     * The last hidden states (1, S, hidden) of the tokens {@code ids} at positions P..P+S−1 of a sequence whose
     * first P = {@code past} tokens are those of {@code cache} (all real tokens, no padding): exactly
     * {@link #forward}'s rows for those positions of the whole sequence, computing only them.
     *
     * @param past how many of the cache's positions precede {@code ids} (at most its length)
     * @param pad  extra positions appended as padding (a tracing backend rounds S up so one graph serves many
     *             lengths); they attend like real tokens after the last one and are dropped from the result
     */
    public Tensor suffix(PrefixCache cache, int past, long[] ids, int pad) {
        if (past > cache.length()) throw new InvalidRequestException("the cache holds " + cache.length() + " positions, not " + past);
        long[] padded = java.util.Arrays.copyOf(ids, ids.length + pad);
        List<Tensor> out = forwardCached(padded, past, cache);
        Tensor h = out.get(0);
        return pad == 0 ? h : h.slice(1, 0, ids.length);
    }

    /** Runs tokens at positions {@code past}.. over the first {@code past} cached positions; {hidden, k…, v…}. */
    private List<Tensor> forwardCached(long[] ids, int past, PrefixCache cache) {
        int s = ids.length;
        int total = past + s;
        TensorBackend be = backend();
        Tensor embeds = embedTokens.forward(be, new long[][] {ids}, "Gemma");
        Tensor globalMask = be.fromFloats(suffixMask(past, s, Integer.MAX_VALUE), 1, 1, s, total);
        Tensor slidingMask = be.fromFloats(suffixMask(past, s, config().slidingWindow()), 1, 1, s, total);
        float[][] rope = rope(total);
        int d = config().headDim();
        Tensor cos = be.fromFloats(java.util.Arrays.copyOfRange(rope[0], past * d, total * d), s, d);
        Tensor sin = be.fromFloats(java.util.Arrays.copyOfRange(rope[1], past * d, total * d), s, d);
        List<Tensor> in = new ArrayList<>(List.of(embeds, globalMask, slidingMask, cos, sin));
        int n = layers.size();
        if (past > 0) {
            for (int i = 0; i < n; i++) in.add(cache.keys().get(i).slice(2, 0, past));
            for (int i = 0; i < n; i++) in.add(cache.values().get(i).slice(2, 0, past));
        }
        String name = past > 0 ? "gemma2_suffix" : "gemma2_prefix";
        return call(name, in, t -> {
            Tensor h = t.get(0).mul((double) (float) Math.sqrt(config().hiddenSize()));
            List<Tensor> keys = new ArrayList<>(n);
            List<Tensor> values = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Tensor mask = config().isSliding(i) ? t.get(2) : t.get(1);
                Tensor pk = past > 0 ? t.get(5 + i) : null;
                Tensor pv = past > 0 ? t.get(5 + n + i) : null;
                List<Tensor> o = layers.runAll(i, h, (layer, x) -> layer.forwardCached(x, pk, pv, mask, t.get(3), t.get(4)), i > 0);
                h = o.get(0);
                keys.add(o.get(1));
                values.add(o.get(2));
            }
            List<Tensor> result = new ArrayList<>();
            result.add(norm.forward(h));
            if (past == 0) { // a prefix: its keys and values are what later calls need
                result.addAll(keys);
                result.addAll(values);
            }
            return result;
        });
    }

    /**
     * Additive mask (1, 1, S, P + S) of queries at positions P..P+S−1 over keys 0..P+S−1: causal, and within the
     * window for sliding layers; every key is a real token.
     */
    float[] suffixMask(int past, int s, int window) {
        float min = backend().floatType().lowest();
        int total = past + s;
        float[] m = new float[s * total];
        for (int i = 0; i < s; i++) {
            int q = past + i;
            for (int j = 0; j < total; j++) {
                boolean visible = j <= q && (window == Integer.MAX_VALUE || j > q - window);
                m[i * total + j] = visible ? 0f : min;
            }
        }
        return m;
    }

    /**
     * Additive mask (B, 1, L, L): 0 where query i may see key j (j ≤ i, key not padding, and inside the
     * window i − W &lt; j), else the most negative float, as transformers' eager path builds it.
     */
    public float[] mask(long[][] attention, int len, int window) {
        float min = backend().floatType().lowest();
        float[] m = new float[attention.length * len * len];
        for (int b = 0; b < attention.length; b++) {
            for (int i = 0; i < len; i++) {
                for (int j = 0; j < len; j++) {
                    boolean visible = j <= i && attention[b][j] != 0 && (window == Integer.MAX_VALUE || j > i - window);
                    m[(b * len + i) * len + j] = visible ? 0f : min;
                }
            }
        }
        return m;
    }

    /** RoPE tables cos, sin of shape (L, headDim), float32 as transformers computes them. */
    public float[][] rope(int len) {
        int d = config().headDim();
        float[] inv = new float[d / 2];
        for (int i = 0; i < d / 2; i++) {
            float e = (float) (2 * i) / d;
            inv[i] = (float) (1.0 / (float) Math.pow(config().ropeTheta(), e));
        }
        float[] cos = new float[len * d];
        float[] sin = new float[len * d];
        for (int p = 0; p < len; p++) {
            for (int i = 0; i < d; i++) {
                float f = p * inv[i % (d / 2)];
                cos[p * d + i] = (float) Math.cos(f);
                sin[p * d + i] = (float) Math.sin(f);
            }
        }
        return new float[][] {cos, sin};
    }

    /** One {@code Gemma2DecoderLayer}: sandwich norms around attention and MLP. */
    public static final class Gemma2DecoderLayer {
        private final RMSNorm inputLayernorm;
        private final Gemma2Attention selfAttn;
        private final RMSNorm postAttentionLayernorm;
        private final RMSNorm preFeedforwardLayernorm;
        private final Gemma2Mlp mlp;
        private final RMSNorm postFeedforwardLayernorm;

        Gemma2DecoderLayer(Gemma2Config c, Weights w) {
            double eps = c.rmsNormEps();
            inputLayernorm = RMSNorm.gemma(w.sub("input_layernorm"), c.hiddenSize(), eps);
            selfAttn = new Gemma2Attention(c, w.sub("self_attn"));
            postAttentionLayernorm = RMSNorm.gemma(w.sub("post_attention_layernorm"), c.hiddenSize(), eps);
            preFeedforwardLayernorm = RMSNorm.gemma(w.sub("pre_feedforward_layernorm"), c.hiddenSize(), eps);
            mlp = new Gemma2Mlp(c, w.sub("mlp"));
            postFeedforwardLayernorm = RMSNorm.gemma(w.sub("post_feedforward_layernorm"), c.hiddenSize(), eps);
        }

        Tensor forward(Tensor x, Tensor mask, Tensor cos, Tensor sin) {
            Tensor h = postAttentionLayernorm.forward(selfAttn.forward(inputLayernorm.forward(x), mask, cos, sin));
            x = x.add(h);
            h = postFeedforwardLayernorm.forward(mlp.forward(preFeedforwardLayernorm.forward(x)));
            return x.add(h);
        }

        /** {@link #forward} for new positions over cached keys/values: {hidden, k, v} (see Gemma2Attention#forwardCached). */
        List<Tensor> forwardCached(Tensor x, Tensor pastK, Tensor pastV, Tensor mask, Tensor cos, Tensor sin) {
            List<Tensor> a = selfAttn.forwardCached(inputLayernorm.forward(x), pastK, pastV, mask, cos, sin);
            Tensor h = postAttentionLayernorm.forward(a.get(0));
            x = x.add(h);
            h = postFeedforwardLayernorm.forward(mlp.forward(preFeedforwardLayernorm.forward(x)));
            return List.of(x.add(h), a.get(1), a.get(2));
        }
    }

    /** {@code Gemma2Attention}, eager: soft-capped scores, then the additive mask, softmax, values. */
    public static final class Gemma2Attention {
        private final Linear qProj;
        private final Linear kProj;
        private final Linear vProj;
        private final Linear oProj;
        private final Gemma2Config c;

        Gemma2Attention(Gemma2Config c, Weights w) {
            this.c = c;
            long q = (long) c.numHeads() * c.headDim();
            long kv = (long) c.numKvHeads() * c.headDim();
            qProj = new Linear(w.sub("q_proj"), c.hiddenSize(), q, c.attentionBias());
            kProj = new Linear(w.sub("k_proj"), c.hiddenSize(), kv, c.attentionBias());
            vProj = new Linear(w.sub("v_proj"), c.hiddenSize(), kv, c.attentionBias());
            oProj = new Linear(w.sub("o_proj"), q, c.hiddenSize(), c.attentionBias());
        }

        Tensor forward(Tensor x, Tensor mask, Tensor cos, Tensor sin) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            long len = x.size(1);
            int hd = c.headDim();
            Tensor q = heads(qProj.forward(x), b, len, c.numHeads(), hd);
            Tensor k = heads(kProj.forward(x), b, len, c.numKvHeads(), hd);
            Tensor v = heads(vProj.forward(x), b, len, c.numKvHeads(), hd);
            q = rotary(q, cos, sin);
            k = rotary(k, cos, sin);
            k = repeatKv(k, c.numHeads() / c.numKvHeads());
            v = repeatKv(v, c.numHeads() / c.numKvHeads());
            Tensor scores = q.matmul(k.transpose(-2, -1)).mul(Math.pow(c.queryPreAttnScalar(), -0.5));
            Double cap = c.attnLogitSoftcapping();
            if (cap != null) scores = be.tanh(scores.mul(1.0 / cap)).mul(cap);
            scores = scores.add(mask);
            Tensor out = be.softmax(scores, -1).matmul(v);               // (B, H, L, hd)
            out = out.permute(0, 2, 1, 3).reshape(b, len, (long) c.numHeads() * hd);
            return oProj.forward(out);
        }

        /**
         * Attention of the queries of {@code x} (positions P.. of the sequence) over the past keys/values of positions
         * 0..P−1 followed by their own: returns {output, k, v} with k, v the new positions' keys (after RoPE) and
         * values, per KV head — the same math as {@link #forward} on the whole sequence, restricted to those rows.
         *
         * @param pastK (B, KV, P, hd) or null
         * @param mask  additive (B, 1, S, P + S)
         */
        List<Tensor> forwardCached(Tensor x, Tensor pastK, Tensor pastV, Tensor mask, Tensor cos, Tensor sin) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            long len = x.size(1);
            int hd = c.headDim();
            Tensor q = rotary(heads(qProj.forward(x), b, len, c.numHeads(), hd), cos, sin);
            Tensor k = rotary(heads(kProj.forward(x), b, len, c.numKvHeads(), hd), cos, sin);
            Tensor v = heads(vProj.forward(x), b, len, c.numKvHeads(), hd);
            Tensor keys = pastK == null ? k : be.concat(List.of(pastK, k), 2);
            Tensor values = pastV == null ? v : be.concat(List.of(pastV, v), 2);
            Tensor kk = repeatKv(keys, c.numHeads() / c.numKvHeads());
            Tensor vv = repeatKv(values, c.numHeads() / c.numKvHeads());
            Tensor scores = q.matmul(kk.transpose(-2, -1)).mul(Math.pow(c.queryPreAttnScalar(), -0.5));
            Double cap = c.attnLogitSoftcapping();
            if (cap != null) scores = be.tanh(scores.mul(1.0 / cap)).mul(cap);
            scores = scores.add(mask);
            Tensor out = be.softmax(scores, -1).matmul(vv);
            out = out.permute(0, 2, 1, 3).reshape(b, len, (long) c.numHeads() * hd);
            return List.of(oProj.forward(out), k, v);
        }

        private static Tensor heads(Tensor t, long b, long len, int n, int hd) {
            return t.reshape(b, len, n, hd).permute(0, 2, 1, 3);
        }

        /** q·cos + rotate_half(q)·sin, rotate_half(x) = [−x₂, x₁]. */
        private static Tensor rotary(Tensor x, Tensor cos, Tensor sin) {
            TensorBackend be = x.backend();
            long half = x.size(-1) / 2;
            Tensor x1 = x.slice(-1, 0, half);
            Tensor x2 = x.slice(-1, half, 2 * half);
            Tensor rot = be.concat(List.of(be.neg(x2), x1), -1);
            return x.mul(cos).add(rot.mul(sin));
        }

        /** (B, KV, L, hd) → (B, KV·n, L, hd), each kv head repeated n times in a row. */
        private static Tensor repeatKv(Tensor x, int n) {
            if (n == 1) return x;
            long[] s = x.shape();
            Tensor e = x.reshape(s[0], s[1], 1, s[2], s[3]);
            e = x.backend().broadcastTo(e, s[0], s[1], n, s[2], s[3]);
            return e.reshape(s[0], s[1] * n, s[2], s[3]);
        }
    }

    /** {@code Gemma2MLP}: down(act(gate(x)) · up(x)). */
    public static final class Gemma2Mlp {
        private final Linear gateProj;
        private final Linear upProj;
        private final Linear downProj;
        private final Activation act;

        Gemma2Mlp(Gemma2Config c, Weights w) {
            // Gemma2MLP: no biases
            gateProj = new Linear(w.sub("gate_proj"), c.hiddenSize(), c.intermediateSize(), false);
            upProj = new Linear(w.sub("up_proj"), c.hiddenSize(), c.intermediateSize(), false);
            downProj = new Linear(w.sub("down_proj"), c.intermediateSize(), c.hiddenSize(), false);
            act = Activation.of(c.hiddenActivation());
        }

        Tensor forward(Tensor x) {
            return downProj.forward(act.apply(gateProj.forward(x)).mul(upProj.forward(x)));
        }
    }
}
