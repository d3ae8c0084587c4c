package dev.sprint.core.sana;

import dev.sprint.core.gemma.Gemma2Model;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.text.TextTokenizer;
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

    public SanaTextEncoder(TextTokenizer tokenizer, Gemma2Model gemma) {
        this.tokenizer = tokenizer;
        this.gemma = gemma;
    }

    /** Loads {@code tokenizer/} and {@code text_encoder/} of a pipeline folder. */
    public static SanaTextEncoder load(ModelFolder folder, TensorBackend backend) {
        TextTokenizer tok = TextTokenizer.open(folder.component("tokenizer"));
        try {
            return new SanaTextEncoder(tok, Gemma2Model.load(folder.component("text_encoder"), backend));
        } catch (RuntimeException e) {
            tok.close();
            throw e;
        }
    }

    public Gemma2Model gemma() {
        return gemma;
    }

    /** Encodes raw prompts (they are preprocessed here). */
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
        tokenizer.close();
        gemma.close();
    }
}
