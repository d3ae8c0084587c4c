package dev.sprint.swd.text;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.io.Closeables;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.pipeline.RequestLimits;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code StableDiffusion3Pipeline.encode_prompt}: CLIP-L and OpenCLIP-bigG penultimate hidden states
 * concatenated along the width and zero-padded to the T5 width, then T5's last hidden state appended
 * along the sequence; pooled = [CLIP-L text_embeds, CLIP-G text_embeds]. No model gets a padding mask.
 * Without {@code text_encoder_3} (SD3 allows dropping T5) the T5 part is zeros, as in diffusers.
 */
public final class Sd3TextEncoder implements AutoCloseable {
    /** Default T5 length of diffusers' pipeline. */
    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 256;
    /** Longest T5 sequence diffusers accepts. */
    public static final int MAX_SEQUENCE_LENGTH = 512;

    /**
     * Conditioning of a batch.
     *
     * @param promptEmbeds (B, 77 + T, t5 width)
     * @param pooled       (B, projection L + projection G)
     */
    public record Embeddings(Tensor promptEmbeds, Tensor pooled) {}

    private final ClipTokenizer tokenizerL;
    private final ClipTokenizer tokenizerG;
    private final TextTokenizer tokenizerT5;
    private final CLIPTextModelWithProjection clipL;
    private final CLIPTextModelWithProjection clipG;
    private final T5EncoderModel t5;
    private final int t5Width;

    /**
     * @param t5Width width of the T5 part (the transformer's joint_attention_dim); used when t5 is null
     */
    public Sd3TextEncoder(ClipTokenizer tokenizerL, CLIPTextModelWithProjection clipL, ClipTokenizer tokenizerG,
                          CLIPTextModelWithProjection clipG, TextTokenizer tokenizerT5, T5EncoderModel t5, int t5Width) {
        this.tokenizerL = tokenizerL;
        this.clipL = clipL;
        this.tokenizerG = tokenizerG;
        this.clipG = clipG;
        this.tokenizerT5 = tokenizerT5;
        this.t5 = t5;
        this.t5Width = t5 != null ? t5.config().dModel() : t5Width;
        int clipWidth = clipL.config().hiddenSize() + clipG.config().hiddenSize();
        if (clipWidth > this.t5Width) {
            throw new InvalidRequestException("CLIP widths " + clipWidth + " exceed the T5 width " + this.t5Width);
        }
    }

    /** Parses and validates the text encoders' configs (nothing is loaded). */
    public static void validateConfigs(ModelFolder folder) {
        CLIPTextConfig.from(folder.config("text_encoder"));
        CLIPTextConfig.from(folder.config("text_encoder_2"));
        if (folder.declares("text_encoder_3")) T5Config.from(folder.config("text_encoder_3"));
    }

    /** Loads tokenizer/, tokenizer_2/, tokenizer_3/ and text_encoder{,_2,_3}/ of an SD3 folder. */
    public static Sd3TextEncoder load(ModelFolder folder, TensorBackend backend, int jointAttentionDim) {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            ClipTokenizer tl = ClipTokenizer.open(folder.component("tokenizer"));
            ClipTokenizer tg = ClipTokenizer.open(folder.component("tokenizer_2"));
            CLIPTextModelWithProjection l = CLIPTextModelWithProjection.load(folder.component("text_encoder"), backend);
            opened.add(l);
            CLIPTextModelWithProjection g = CLIPTextModelWithProjection.load(folder.component("text_encoder_2"), backend);
            opened.add(g);
            TextTokenizer t5tok = null;
            T5EncoderModel t5 = null;
            if (folder.declares("text_encoder_3")) {
                t5tok = TextTokenizer.open(folder.component("tokenizer_3"));
                opened.add(t5tok);
                t5 = T5EncoderModel.load(folder.component("text_encoder_3"), backend);
                opened.add(t5);
            }
            return new Sd3TextEncoder(tl, l, tg, g, t5tok, t5, jointAttentionDim);
        } catch (RuntimeException e) {
            throw Closeables.closeAfter(e, opened);
        }
    }

    /** Whether the T5 encoder is present (else its part of the embeddings is zeros). */
    public boolean hasT5() {
        return t5 != null;
    }

    /**
     * Encodes prompts; {@code maxSequenceLength} is the T5 length (1..512, default 256). The encoders run
     * {@value RequestLimits#TEXT_CHUNK} prompts at a time.
     */
    public Embeddings encode(List<String> prompts, int maxSequenceLength) {
        if (prompts.isEmpty()) throw new InvalidRequestException("no prompts to encode");
        if (maxSequenceLength < 1 || maxSequenceLength > MAX_SEQUENCE_LENGTH) {
            throw new InvalidRequestException("max sequence length must be 1.." + MAX_SEQUENCE_LENGTH + ", got " + maxSequenceLength);
        }
        if (prompts.size() <= RequestLimits.TEXT_CHUNK) return encodeChunk(prompts, maxSequenceLength);
        List<Tensor> embeds = new ArrayList<>();
        List<Tensor> pooled = new ArrayList<>();
        for (int from = 0; from < prompts.size(); from += RequestLimits.TEXT_CHUNK) {
            Embeddings e = encodeChunk(prompts.subList(from, Math.min(prompts.size(), from + RequestLimits.TEXT_CHUNK)),
                    maxSequenceLength);
            embeds.add(e.promptEmbeds());
            pooled.add(e.pooled());
        }
        TensorBackend be = clipL.backend();
        return new Embeddings(be.concat(embeds, 0), be.concat(pooled, 0));
    }

    private Embeddings encodeChunk(List<String> prompts, int maxSequenceLength) {
        TensorBackend be = clipL.backend();
        try (Scope scope = be.newScope()) {
            CLIPTextModelWithProjection.Output l = clipL.forward(tokenizerL.encode(prompts));
            CLIPTextModelWithProjection.Output g = clipG.forward(tokenizerG.encode(prompts));
            Tensor clip = be.concat(List.of(l.penultimate(), g.penultimate()), -1);
            clip = be.pad(clip, new long[] {0, t5Width - clip.size(-1)}, 0.0);
            Tensor t5Hidden = t5 != null
                    ? t5.forward(tokenizerT5.encode(prompts, maxSequenceLength, true).ids())
                    : be.zeros(prompts.size(), maxSequenceLength, t5Width);
            Tensor embeds = be.concat(List.of(clip, t5Hidden), 1);
            Tensor pooled = be.concat(List.of(l.textEmbeds(), g.textEmbeds()), -1);
            return new Embeddings(scope.keep(embeds), scope.keep(pooled));
        }
    }

    /** Token ids of the three tokenizers for one text (diagnostics and tests): {CLIP-L, CLIP-G, T5}. */
    public long[][] tokenIds(String prompt, int maxSequenceLength) {
        long[] t5ids = tokenizerT5 == null ? new long[0]
                : tokenizerT5.encode(List.of(prompt), maxSequenceLength, true).ids()[0];
        return new long[][] {tokenizerL.encode(prompt), tokenizerG.encode(prompt), t5ids};
    }

    @Override
    public void close() {
        clipL.close();
        clipG.close();
        if (t5 != null) t5.close();
        if (tokenizerT5 != null) tokenizerT5.close();
    }
}
