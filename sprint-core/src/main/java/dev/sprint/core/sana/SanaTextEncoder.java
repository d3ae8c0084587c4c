package dev.sprint.core.sana;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.gemma.Gemma2Model;
import dev.sprint.core.io.Closeables;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.pipeline.RequestLimits;
import dev.sprint.core.tensor.Arena;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * SANA's prompt path: preprocessing, the optional complex-human-instruction prefix, Gemma tokenization
 * to prefix + L − 2 tokens (right padded), Gemma-2, then selection of BOS + the last L − 1 positions.
 */
public final class SanaTextEncoder implements AutoCloseable {
    private final TextTokenizer tokenizer;
    private final Gemma2Model gemma;

    /**
     * The encoded batch.
     *
     * @param embeds (P, L, hidden) prompt embeddings after selection
     * @param mask   {@code [P][L]} attention mask after selection
     */
    public record Embeddings(Tensor embeds, long[][] mask) {}

    /** Takes ownership of both (closed with this encoder). */
    public SanaTextEncoder(TextTokenizer tokenizer, Gemma2Model gemma) {
        this.tokenizer = tokenizer;
        this.gemma = gemma;
    }

    /** Loads {@code tokenizer/} and {@code text_encoder/} of a pipeline folder (the tokenizer is closed if the model fails). */
    public static SanaTextEncoder load(ModelFolder folder, TensorBackend backend) {
        TextTokenizer tok = TextTokenizer.open(folder.component("tokenizer"));
        try {
            return new SanaTextEncoder(tok, Gemma2Model.load(folder.component("text_encoder"), backend));
        } catch (RuntimeException e) {
            throw Closeables.closeAfter(e, List.of(tok));
        } catch (Error e) {
            throw Closeables.closeAfter(e, List.of(tok));
        }
    }

    /**
     * Encodes raw prompts for a batch: each prompt's rows repeated {@code imagesPerPrompt} times in a row (as
     * diffusers' repeat + view), the text encoder run {@value RequestLimits#TEXT_CHUNK} prompts at a time.
     */
    public Embeddings encode(List<String> prompts, int imagesPerPrompt, int maxSequenceLength, List<String> instruction,
                             boolean normalize) {
        Embeddings e;
        if (prompts.size() <= RequestLimits.TEXT_CHUNK) {
            e = encode(prompts, maxSequenceLength, instruction, normalize);
        } else {
            List<Tensor> parts = new ArrayList<>();
            List<long[]> masks = new ArrayList<>();
            for (int from = 0; from < prompts.size(); from += RequestLimits.TEXT_CHUNK) {
                Embeddings c = encode(prompts.subList(from, Math.min(prompts.size(), from + RequestLimits.TEXT_CHUNK)),
                        maxSequenceLength, instruction, normalize);
                parts.add(c.embeds());
                masks.addAll(List.of(c.mask()));
            }
            e = new Embeddings(parts.get(0).backend().concat(parts, 0), masks.toArray(new long[0][]));
        }
        if (imagesPerPrompt == 1) return e;
        int b = e.mask().length;
        long[] idx = new long[b * imagesPerPrompt];
        long[][] m = new long[b * imagesPerPrompt][];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i / imagesPerPrompt;
            m[i] = e.mask()[i / imagesPerPrompt];
        }
        TensorBackend be = e.embeds().backend();
        return new Embeddings(be.indexSelect(e.embeds(), 0, be.fromLongs(idx, idx.length)), m);
    }

    /**
     * Encodes raw prompts (they are preprocessed here), one row per prompt, computing only what the image depends
     * on: each row's real tokens (padding is masked out of the transformer's cross-attention, where its weight is
     * exactly 0, so its hidden states are returned as zeros instead of computed), and not even those of the
     * complex-human-instruction prefix, whose keys and values are computed once and reused ({@link #prefixCache}).
     * The embeddings equal diffusers' at every position the mask keeps.
     */
    public Embeddings encode(List<String> prompts, int maxSequenceLength, List<String> instruction, boolean normalize) {
        SanaPromptTokens.Tokens t = SanaPromptTokens.tokenize(tokenizer, prompts, maxSequenceLength, instruction, normalize);
        TensorBackend be = gemma.backend();
        int full = t.fullLength();
        int prefix = instruction == null || instruction.isEmpty() ? 0 : tokenizer.count(String.join("\n", instruction)) - 1;
        // a streamed Gemma (low memory) rebuilds its layers per pass: one pass over prefix + prompt beats two
        Gemma2Model.PrefixCache cache = prefix > 1 && !gemma.streamed() ? prefixCache(t.inputIds()[0], prefix) : null;
        List<Tensor> rows = new ArrayList<>();
        long hidden = gemma.config().hiddenSize();
        for (int b = 0; b < t.inputIds().length; b++) {
            long[] ids = t.inputIds()[b];
            long[] mask = t.attentionMask()[b];
            int real = 0;
            while (real < full && mask[real] != 0) real++;
            for (int j = real; j < full; j++) {
                if (mask[j] != 0) throw new InvalidRequestException("the tokenizer padded on the left; Sana pads on the right");
            }
            int past = cache == null ? 0 : commonPrefix(ids, cache.ids(), Math.min(real, cache.length()));
            List<Tensor> parts = new ArrayList<>(3);
            if (past > 0) parts.add(cache.hidden().slice(1, 0, past));
            if (real > past) {
                long[] rest = java.util.Arrays.copyOfRange(ids, past, real);
                Gemma2Model.PrefixCache c = past > 0 ? cache : EMPTY;
                parts.add(gemma.suffix(c, past, rest, padding(real - past)));
            }
            if (real < full) parts.add(be.zeros(1, full - real, hidden));
            rows.add(parts.size() == 1 ? parts.get(0) : be.concat(parts, 1));
        }
        Tensor hiddenStates = rows.size() == 1 ? rows.get(0) : be.concat(rows, 0);
        return select(hiddenStates, t);
    }

    private static final Gemma2Model.PrefixCache EMPTY = new Gemma2Model.PrefixCache(new long[0], List.of(), List.of(), null);

    /** Extra suffix positions so a tracing backend reuses one graph for nearby lengths (multiples of 32). */
    private int padding(int s) {
        return gemma.backend().isEager() ? 0 : (32 - s % 32) % 32;
    }

    private static int commonPrefix(long[] a, long[] b, int max) {
        int n = 0;
        while (n < max && a[n] == b[n]) n++;
        return n;
    }

    /**
     * The cached keys/values of an instruction prefix (its first {@code length} tokens as they start {@code ids}; the
     * last instruction token is left out: it merges with the prompt's first word), computed once per prefix and
     * kept while this encoder is loaded, in an arena of its own.
     */
    private synchronized Gemma2Model.PrefixCache prefixCache(long[] ids, int length) {
        long[] key = java.util.Arrays.copyOf(ids, Math.min(length, ids.length));
        for (Cached c : caches) if (java.util.Arrays.equals(c.cache.ids(), key)) return c.cache;
        Arena arena = gemma.backend().newArena();
        Gemma2Model.PrefixCache cache;
        try {
            cache = arena.build(() -> gemma.prefix(key));
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
        caches.add(new Cached(cache, arena));
        while (caches.size() > 4) caches.remove(0).arena.close();
        return cache;
    }

    private record Cached(Gemma2Model.PrefixCache cache, Arena arena) {}

    private final List<Cached> caches = new ArrayList<>();

    /** Gemma's full forward over every position (padding included) — what diffusers computes; for tests and tools. */
    public Embeddings encodeFull(List<String> prompts, int maxSequenceLength, List<String> instruction, boolean normalize) {
        SanaPromptTokens.Tokens t = SanaPromptTokens.tokenize(tokenizer, prompts, maxSequenceLength, instruction, normalize);
        return select(gemma.forward(t.inputIds(), t.attentionMask()), t);
    }

    /** BOS and the last L − 1 positions, with their mask. */
    private static Embeddings select(Tensor hidden, SanaPromptTokens.Tokens t) {
        long[] idx = new long[t.selectIndex().length];
        boolean identity = idx.length == t.fullLength();
        for (int i = 0; i < idx.length; i++) {
            idx[i] = t.selectIndex()[i];
            identity &= idx[i] == i;
        }
        TensorBackend be = hidden.backend();
        Tensor selected = identity ? hidden : be.indexSelect(hidden, 1, be.fromLongs(idx, idx.length));
        return new Embeddings(selected, t.selectedMask());
    }

    @Override
    public void close() {
        synchronized (this) {
            caches.forEach(c -> c.arena.close());
            caches.clear();
        }
        try {
            gemma.close();
        } finally {
            tokenizer.close();
        }
    }
}
