package dev.sprint.core.sana;

import dev.sprint.core.gemma.Gemma2Model;
import dev.sprint.core.io.Closeables;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.pipeline.RequestLimits;
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

    /** Encodes raw prompts (they are preprocessed here), one row per prompt. */
    public Embeddings encode(List<String> prompts, int maxSequenceLength, List<String> instruction, boolean normalize) {
        SanaPromptTokens.Tokens t = SanaPromptTokens.tokenize(tokenizer, prompts, maxSequenceLength, instruction, normalize);
        Tensor hidden = gemma.forward(t.inputIds(), t.attentionMask());
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
        try {
            gemma.close();
        } finally {
            tokenizer.close();
        }
    }
}
