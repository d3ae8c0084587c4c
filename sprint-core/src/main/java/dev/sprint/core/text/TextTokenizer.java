package dev.sprint.core.text;

import dev.sprint.api.InvalidRequestException;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.google.gson.JsonElement;
import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Config;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} tokenizer (the Rust {@code tokenizers} library through DJL),
 * loaded from a local file, with the padding and truncation of
 * {@code tokenizer(texts, padding="max_length", max_length=L, truncation=True)} done here:
 * <ul>
 *   <li>truncation keeps the first tokens, and counts the special tokens the post-processor adds
 *       (Gemma's {@code <bos>}; a suffix such as T5's {@code </s>} is kept after truncation, as in HF);</li>
 *   <li>padding is always on the <b>right</b> with the tokenizer's pad id and mask 0, whatever
 *       {@code tokenizer_config.json} says about {@code padding_side} (the Sana pipelines force right
 *       padding).</li>
 * </ul>
 * DJL's own truncation/padding is switched off: its defaults would silently truncate to 512 tokens.
 * Special-token text inside a prompt (e.g. a literal {@code "<bos>"}) is matched as the special token,
 * as in HF. Instances are thread-safe for encoding; close them to free the native tokenizer.
 */
public final class TextTokenizer implements AutoCloseable {
    /** Token ids and attention mask, both {@code [batch][length]}. */
    public record Encoded(long[][] ids, long[][] attentionMask) {
        public int batch() {
            return ids.length;
        }

        public int length() {
            return ids.length == 0 ? 0 : ids[0].length;
        }
    }

    private final HuggingFaceTokenizer tokenizer;
    private final Path file;
    private final long padId;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, Path file, long padId) {
        this.tokenizer = tokenizer;
        this.file = file;
        this.padId = padId;
    }

    /**
     * Loads {@code tokenizer.json} (a file, or a folder holding one). The pad token comes from
     * {@code tokenizer_config.json} or {@code special_tokens_map.json} next to it, else {@code <pad>}.
     */
    public static TextTokenizer open(Path tokenizerJsonOrDir) {
        Path file = Files.isDirectory(tokenizerJsonOrDir) ? tokenizerJsonOrDir.resolve("tokenizer.json") : tokenizerJsonOrDir;
        HuggingFaceTokenizer t = load(file);
        try {
            String padToken = padTokenFromConfig(file.toAbsolutePath().getParent());
            long pad = tokenId(t, padToken == null ? "<pad>" : padToken, file);
            return new TextTokenizer(t, file, pad);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
    }

    /** Loads {@code tokenizer.json} with an explicit pad id. */
    public static TextTokenizer open(Path tokenizerJsonOrDir, long padId) {
        Path file = Files.isDirectory(tokenizerJsonOrDir) ? tokenizerJsonOrDir.resolve("tokenizer.json") : tokenizerJsonOrDir;
        return new TextTokenizer(load(file), file, padId);
    }

    private static HuggingFaceTokenizer load(Path file) {
        if (!Files.isRegularFile(file)) throw new ModelLoadException("missing tokenizer file " + file);
        // Everything explicit: DJL otherwise truncates to 512 and pads to the longest by default.
        Map<String, String> options = Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false",
                "withOverflowingTokens", "false");
        try (InputStream in = Files.newInputStream(file)) {
            return HuggingFaceTokenizer.newInstance(in, options);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read tokenizer " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new ModelLoadException("cannot load tokenizer " + file + ": " + e.getMessage(), e);
        }
    }

    /** {@code pad_token} of tokenizer_config.json or special_tokens_map.json (string or {"content": ...}); null if none. */
    private static String padTokenFromConfig(Path dir) {
        for (String name : List.of("tokenizer_config.json", "special_tokens_map.json")) {
            Path p = dir.resolve(name);
            if (!Files.isRegularFile(p)) continue;
            String pad = specialToken(Config.read(p), "pad_token");
            if (pad != null) return pad;
        }
        return null;
    }

    /**
     * A special token of a {@code tokenizer_config.json} / {@code special_tokens_map.json}: a string, or an
     * AddedToken object ({@code {"content": "<pad>", ...}}) as transformers writes it; null when the key is
     * absent or null. Anything else is a {@link ModelLoadException} naming the key and the file.
     */
    public static String specialToken(Config c, String key) {
        if (!c.has(key)) return null;
        JsonElement e = c.json().get(key);
        String token;
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            token = e.getAsString();
        } else if (e.isJsonObject()) {
            token = c.getObject(key).getString("content");
        } else {
            throw new ModelLoadException("key '" + key + "' in " + c.origin() + " should be a token string or an object with"
                    + " its \"content\"");
        }
        // special tokens are a few characters; a huge one would be tokenized at load (seconds per megabyte)
        if (token.length() > MAX_SPECIAL_TOKEN) {
            throw new ModelLoadException("key '" + key + "' in " + c.origin() + " is a token of " + token.length()
                    + " characters; a special token has at most " + MAX_SPECIAL_TOKEN);
        }
        return token;
    }

    /** Longest special token accepted from a tokenizer config. */
    static final int MAX_SPECIAL_TOKEN = 1024;

    private static long tokenId(HuggingFaceTokenizer t, String token, Path file) {
        long[] ids = t.encode(token, false, false).getIds();
        if (ids.length != 1) {
            throw new ModelLoadException("pad token '" + token + "' of " + file + " is not a single token (encodes to "
                    + Arrays.toString(ids) + ")");
        }
        return ids[0];
    }

    /** The tokenizer file. */
    public Path file() {
        return file;
    }

    /** The id used for right padding. */
    public long padId() {
        return padId;
    }

    /** Token ids of one text, no truncation or padding. */
    public long[] ids(String text, boolean addSpecialTokens) {
        if (text == null) throw new InvalidRequestException("the text to tokenize is null");
        return tokenizer.encode(text, addSpecialTokens, false).getIds();
    }

    /** Token strings of one text (for diagnostics). */
    public List<String> tokens(String text, boolean addSpecialTokens) {
        if (text == null) throw new InvalidRequestException("the text to tokenize is null");
        return List.of(tokenizer.encode(text, addSpecialTokens, false).getTokens());
    }

    /** {@code len(tokenizer.encode(text))}: the token count including added special tokens (Gemma's {@code <bos>}). */
    public int count(String text) {
        return ids(text, true).length;
    }

    /**
     * Tokenizes a batch to exactly {@code maxLength} tokens each: truncated (special tokens count towards
     * the length) and right-padded with {@link #padId()}, mask 1 for real tokens and 0 for padding.
     */
    public Encoded encode(List<String> texts, int maxLength, boolean addSpecialTokens) {
        if (maxLength < 1) throw new InvalidRequestException("maxLength must be positive, is " + maxLength);
        long[][] ids = new long[texts.size()][];
        long[][] mask = new long[texts.size()][];
        for (int b = 0; b < texts.size(); b++) {
            long[] t = truncated(texts.get(b), maxLength, addSpecialTokens);
            ids[b] = new long[maxLength];
            mask[b] = new long[maxLength];
            Arrays.fill(ids[b], padId);
            System.arraycopy(t, 0, ids[b], 0, t.length);
            Arrays.fill(mask[b], 0, t.length, 1L);
        }
        return new Encoded(ids, mask);
    }

    /**
     * HF truncation: the text's own tokens are cut to {@code maxLength − added} and the post-processor's
     * special tokens are then put around them (so a suffix special token survives).
     */
    private long[] truncated(String text, int maxLength, boolean addSpecialTokens) {
        long[] full = ids(text, addSpecialTokens);
        if (full.length <= maxLength) return full;
        if (!addSpecialTokens) return Arrays.copyOf(full, maxLength);
        long[] raw = ids(text, false);
        int added = full.length - raw.length;
        if (added < 0 || maxLength < added) {
            throw new InvalidRequestException("maxLength " + maxLength + " is shorter than the " + added
                    + " special tokens the tokenizer adds");
        }
        int prefix = prefixLength(full, raw, added);
        int keep = maxLength - added;
        long[] out = new long[maxLength];
        System.arraycopy(full, 0, out, 0, prefix);
        System.arraycopy(raw, 0, out, prefix, keep);
        System.arraycopy(full, prefix + raw.length, out, prefix + keep, added - prefix);
        return out;
    }

    /** How many special tokens precede the text's tokens in {@code full} (template "prefix $A suffix"). */
    private int prefixLength(long[] full, long[] raw, int added) {
        for (int p = 0; p <= added; p++) {
            if (Arrays.equals(full, p, p + raw.length, raw, 0, raw.length)) return p;
        }
        throw new ModelLoadException("tokenizer " + file + " changes a text's tokens when adding special tokens;"
                + " truncation cannot be reproduced");
    }

    @Override
    public void close() {
        tokenizer.close();
    }
}
