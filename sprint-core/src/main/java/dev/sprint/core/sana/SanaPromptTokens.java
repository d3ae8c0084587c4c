package dev.sprint.core.sana;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.text.PythonText;
import dev.sprint.core.text.TextTokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * The Sana / SANA-Sprint prompt → token rule (diffusers {@code SanaSprintPipeline.encode_prompt}):
 * <ol>
 *   <li>{@code text = prompt.lower().strip()} with Python semantics ({@link #preprocess}).</li>
 *   <li>With a complex human instruction (CHI): {@code chi = "\n".join(lines)},
 *       {@code n = len(tokenizer.encode(chi))} (includes {@code <bos>}), {@code maxLen = n + L − 2}, and the
 *       tokenizer runs on the concatenated <i>string</i> {@code chi + text} (BPE may merge across the join).
 *       Without: {@code maxLen = L}.</li>
 *   <li>Truncate to {@code maxLen} (counting {@code <bos>}), right-pad with the pad id.</li>
 *   <li>The text encoder runs on all {@code maxLen} positions; afterwards positions
 *       {@code [0] + [maxLen − (L − 1), maxLen)} are kept (the identity without CHI).</li>
 * </ol>
 */
public final class SanaPromptTokens {
    /** The diffusers default CHI (single quotes around 'Enhanced prompt'); the goldens use this one. */
    public static final List<String> CHI_DIFFUSERS = List.of(
            "Given a user prompt, generate an 'Enhanced prompt' that provides detailed visual descriptions suitable"
                    + " for image generation. Evaluate the level of detail in the user prompt:",
            "- If the prompt is simple, focus on adding specifics about colors, shapes, sizes, textures, and spatial"
                    + " relationships to create vivid and concrete scenes.",
            "- If the prompt is already detailed, refine and enhance the existing details slightly without"
                    + " overcomplicating.",
            "Here are examples of how to transform or refine prompts:",
            "- User Prompt: A cat sleeping -> Enhanced: A small, fluffy white cat curled up in a round shape, sleeping"
                    + " peacefully on a warm sunny windowsill, surrounded by pots of blooming red flowers.",
            "- User Prompt: A busy city street -> Enhanced: A bustling city street scene at dusk, featuring glowing"
                    + " street lamps, a diverse crowd of people in colorful clothing, and a double-decker bus passing"
                    + " by towering glass skyscrapers.",
            "Please generate only the enhanced description for the prompt below and avoid including any additional"
                    + " commentary or evaluations:",
            "User Prompt: ");

    /**
     * The NVlabs training-config CHI: identical except for double quotes around "Enhanced prompt" in the
     * first line (what SANA-Sprint was trained with; different tokens, slightly different embeddings).
     */
    public static final List<String> CHI_NVLABS;

    static {
        List<String> l = new ArrayList<>(CHI_DIFFUSERS);
        l.set(0, l.get(0).replace("'Enhanced prompt'", "\"Enhanced prompt\""));
        CHI_NVLABS = List.copyOf(l);
    }

    /** Default {@code max_sequence_length}: tokens kept per prompt, {@code <bos>} included. */
    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 300;

    private SanaPromptTokens() {}

    /**
     * Prompt preprocessing. {@code normalize = true}: Python {@code prompt.lower().strip()} (diffusers,
     * {@code clean_caption=False}); {@code false}: {@code prompt.strip()} only (the NVlabs pipeline keeps case).
     */
    public static String preprocess(String prompt, boolean normalize) {
        return normalize ? PythonText.strip(PythonText.lower(prompt)) : PythonText.strip(prompt);
    }

    /**
     * Tokens of a batch.
     *
     * @param texts         the strings given to the tokenizer (CHI + preprocessed prompt)
     * @param inputIds      {@code [batch][fullLength]}, right-padded
     * @param attentionMask {@code [batch][fullLength]}
     * @param selectIndex   the positions to keep after the text encoder ({@code maxSequenceLength} of them)
     */
    public record Tokens(List<String> texts, long[][] inputIds, long[][] attentionMask, int[] selectIndex) {
        public int fullLength() {
            return inputIds.length == 0 ? 0 : inputIds[0].length;
        }

        /** {@code inputIds} at {@link #selectIndex}. */
        public long[][] selectedIds() {
            return select(inputIds);
        }

        /** {@code attentionMask} at {@link #selectIndex} (the {@code prompt_attention_mask} of diffusers). */
        public long[][] selectedMask() {
            return select(attentionMask);
        }

        private long[][] select(long[][] x) {
            long[][] out = new long[x.length][selectIndex.length];
            for (int b = 0; b < x.length; b++) {
                for (int i = 0; i < selectIndex.length; i++) out[b][i] = x[b][selectIndex[i]];
            }
            return out;
        }
    }

    /** {@link #tokenize(TextTokenizer, List, int, List, boolean)} with diffusers' lower-casing. */
    public static Tokens tokenize(TextTokenizer tokenizer, List<String> prompts, int maxSequenceLength,
                                  List<String> instructionLines) {
        return tokenize(tokenizer, prompts, maxSequenceLength, instructionLines, true);
    }

    /**
     * Applies the whole rule to raw prompts.
     *
     * @param instructionLines CHI lines, or an empty list for none
     * @param normalize        see {@link #preprocess}
     */
    public static Tokens tokenize(TextTokenizer tokenizer, List<String> prompts, int maxSequenceLength,
                                  List<String> instructionLines, boolean normalize) {
        if (maxSequenceLength < 1) throw new InvalidRequestException("maxSequenceLength must be positive");
        String chi = instructionLines == null || instructionLines.isEmpty() ? null : String.join("\n", instructionLines);
        int fullLength = maxSequenceLength;
        if (chi != null) {
            // −2: the CHI's own <bos> and its trailing "▁", which merges into the first prompt token
            fullLength = tokenizer.count(chi) + maxSequenceLength - 2;
        }
        List<String> texts = new ArrayList<>(prompts.size());
        for (String p : prompts) {
            String text = preprocess(p, normalize);
            texts.add(chi == null ? text : chi + text);
        }
        TextTokenizer.Encoded enc = tokenizer.encode(texts, fullLength, true);
        int[] select = new int[maxSequenceLength];
        select[0] = 0;
        for (int i = 1; i < maxSequenceLength; i++) select[i] = fullLength - (maxSequenceLength - 1) + (i - 1);
        return new Tokens(List.copyOf(texts), enc.ids(), enc.attentionMask(), select);
    }
}
