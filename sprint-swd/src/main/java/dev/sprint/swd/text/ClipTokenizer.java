package dev.sprint.swd.text;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Config;
import dev.sprint.core.text.PythonText;
import dev.sprint.core.text.TextTokenizer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * transformers' slow {@code CLIPTokenizer}, in pure Java, from the files the SD3.5 folders ship
 * ({@code vocab.json}, {@code merges.txt}, {@code tokenizer_config.json}; no {@code tokenizer.json}
 * needed): byte-level BPE with {@code </w>} word ends, lower-cased text.
 *
 * <p>Pipeline of one text: added/special tokens are split out first (CLIP-G registers its pad token
 * {@code "!"} as special, so a literal "!" becomes id 0 there, while CLIP-L tokenizes it as {@code !</w>});
 * every other piece is normalised like transformers' {@code BasicTokenizer(strip_accents=False,
 * do_split_on_punc=False)} (NFC, control characters dropped, whitespace collapsed, spaces around CJK,
 * lower case), split with CLIP's regex, mapped to byte symbols and merged by rank. Then
 * {@code [bos] + ids[:max-2] + [eos]}, right-padded with the pad id to {@code max} (77).
 * Thread-safe.
 */
public final class ClipTokenizer {
    private static final Pattern WORDS = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    /** CLIPTokenizer reads merges.txt lines 1 .. 49152−256−2 (after the version header). */
    private static final int MAX_MERGES = 49152 - 256 - 2;
    private static final char[] BYTE_TO_CHAR = bytesToUnicode();

    private final Map<String, Integer> encoder;
    private final Map<String, Integer> ranks;
    private final List<String> addedTokens; // longest first, for splitting
    private final Map<String, Integer> addedIds;
    private final int bos;
    private final int eos;
    private final int pad;
    private final int unk;
    private final int maxLength;
    private final Map<String, String> cache = new ConcurrentHashMap<>();

    private ClipTokenizer(Map<String, Integer> encoder, Map<String, Integer> ranks, Map<String, Integer> addedIds,
                          int bos, int eos, int pad, int unk, int maxLength) {
        this.encoder = encoder;
        this.ranks = ranks;
        this.addedIds = addedIds;
        this.addedTokens = new ArrayList<>(addedIds.keySet());
        this.addedTokens.sort(Comparator.comparingInt(String::length).reversed());
        this.bos = bos;
        this.eos = eos;
        this.pad = pad;
        this.unk = unk;
        this.maxLength = maxLength;
    }

    /** Opens a {@code tokenizer/} or {@code tokenizer_2/} folder. */
    public static ClipTokenizer open(Path dir) {
        Path vocabFile = dir.resolve("vocab.json");
        Path mergesFile = dir.resolve("merges.txt");
        for (Path p : List.of(vocabFile, mergesFile)) {
            if (!Files.isRegularFile(p)) throw new ModelLoadException("CLIP tokenizer folder " + dir + " has no " + p.getFileName());
        }
        Map<String, Integer> encoder = new HashMap<>();
        Config vocab = Config.read(vocabFile);
        for (String token : vocab.json().keySet()) encoder.put(token, vocab.getInt(token, 0, Integer.MAX_VALUE));
        Map<String, Integer> ranks = new HashMap<>();
        try {
            String[] lines = Files.readString(mergesFile, StandardCharsets.UTF_8).strip().split("\n");
            for (int i = 1; i < lines.length && i <= MAX_MERGES; i++) {
                String[] pair = lines[i].strip().split("\\s+");
                if (pair.length != 2) throw new ModelLoadException("merges.txt line " + (i + 1) + " of " + mergesFile + " is not a pair: '" + lines[i] + "'");
                ranks.putIfAbsent(pair[0] + " " + pair[1], i - 1);
            }
        } catch (IOException e) {
            throw new ModelLoadException("cannot read CLIP merges " + mergesFile + ": " + e.getMessage(), e);
        }
        Config cfg = Files.isRegularFile(dir.resolve("tokenizer_config.json")) ? Config.read(dir.resolve("tokenizer_config.json")) : null;
        Config map = Files.isRegularFile(dir.resolve("special_tokens_map.json")) ? Config.read(dir.resolve("special_tokens_map.json")) : null;
        Map<String, Integer> added = new HashMap<>();
        if (cfg != null && cfg.has("added_tokens_decoder")) {
            Config decoder = cfg.getObject("added_tokens_decoder");
            for (String id : decoder.json().keySet()) {
                added.put(decoder.getObject(id).getString("content"), tokenId(id, cfg));
            }
        }
        String bosTok = special(cfg, map, "bos_token", "<|startoftext|>");
        String eosTok = special(cfg, map, "eos_token", "<|endoftext|>");
        String unkTok = special(cfg, map, "unk_token", "<|endoftext|>");
        String padTok = special(cfg, map, "pad_token", "<|endoftext|>");
        // transformers registers every special token as an unsplittable added token
        for (String t : new LinkedHashSet<>(List.of(bosTok, eosTok, unkTok, padTok))) {
            Integer id = added.containsKey(t) ? added.get(t) : encoder.get(t);
            if (id == null) throw new ModelLoadException("special token '" + t + "' of " + dir + " is not in the vocabulary");
            added.putIfAbsent(t, id);
        }
        // CLIP has 77 positions; configs sometimes hold a huge sentinel (1e30) for "no limit"
        double maxLength = cfg != null ? cfg.getDouble("model_max_length", 77) : 77;
        int max = maxLength >= 2 && maxLength <= 77 && maxLength == Math.rint(maxLength) ? (int) maxLength : 77;
        return new ClipTokenizer(encoder, ranks, added, added.get(bosTok), added.get(eosTok), added.get(padTok),
                added.get(unkTok), max);
    }

    private static String special(Config cfg, Config map, String key, String dflt) {
        for (Config c : Arrays.asList(cfg, map)) {
            String token = c == null ? null : TextTokenizer.specialToken(c, key);
            if (token != null) return token;
        }
        return dflt;
    }

    /** A key of {@code added_tokens_decoder}: a token id written as a decimal string. */
    private static int tokenId(String id, Config cfg) {
        try {
            int v = Integer.parseInt(id);
            if (v >= 0) return v;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new ModelLoadException("added_tokens_decoder in " + cfg.origin() + " has the key '"
                + (id.length() > 40 ? id.substring(0, 40) + "…" : id) + "', which is not a token id");
    }

    /** Sequence length after padding (77). */
    public int maxLength() {
        return maxLength;
    }

    public int padId() {
        return pad;
    }

    public int eosId() {
        return eos;
    }

    /** Ids as {@code tokenizer(text, padding="max_length", max_length=77, truncation=True)}. */
    public long[] encode(String text) {
        List<Integer> body = tokenIds(text);
        long[] out = new long[maxLength];
        Arrays.fill(out, pad);
        out[0] = bos;
        int n = Math.min(body.size(), maxLength - 2);
        for (int i = 0; i < n; i++) out[i + 1] = body.get(i);
        out[n + 1] = eos;
        return out;
    }

    /** Ids of a batch, {@code [B][77]}. */
    public long[][] encode(List<String> texts) {
        long[][] out = new long[texts.size()][];
        for (int i = 0; i < out.length; i++) out[i] = encode(texts.get(i));
        return out;
    }

    /** Token ids of the text without bos/eos, padding or truncation. */
    public List<Integer> tokenIds(String text) {
        if (text == null) throw new dev.sprint.api.InvalidRequestException("the text to tokenize is null");
        List<Integer> ids = new ArrayList<>();
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            String hit = null;
            for (String t : addedTokens) {
                if (text.startsWith(t, i)) {
                    hit = t;
                    break;
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            bpeIds(text.substring(start, i), ids);
            ids.add(addedIds.get(hit));
            i += hit.length();
            start = i;
        }
        bpeIds(text.substring(start), ids);
        return ids;
    }

    private void bpeIds(String piece, List<Integer> out) {
        if (piece.isEmpty()) return;
        Matcher m = WORDS.matcher(normalize(piece));
        while (m.find()) {
            byte[] bytes = m.group().getBytes(StandardCharsets.UTF_8);
            StringBuilder sb = new StringBuilder(bytes.length);
            for (byte b : bytes) sb.append(BYTE_TO_CHAR[b & 0xff]);
            for (String sym : bpe(sb.toString()).split(" ")) {
                Integer id = encoder.get(sym);
                out.add(id == null ? unk : id);
            }
        }
    }

    /** BasicTokenizer(do_lower_case, strip_accents=False, do_split_on_punc=False) joined by single spaces. */
    static String normalize(String text) {
        String t = Normalizer.normalize(text, Normalizer.Form.NFC);
        StringBuilder sb = new StringBuilder(t.length());
        for (int i = 0; i < t.length(); ) {
            int cp = t.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD) continue;
            if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR) {
                sb.append(' ');
            } else if (isControl(cp)) {
                continue;
            } else if (isCjk(cp)) {
                sb.append(' ').appendCodePoint(cp).append(' ');
            } else {
                sb.appendCodePoint(cp);
            }
        }
        List<String> words = new ArrayList<>();
        for (String w : splitPython(sb.toString())) words.add(PythonText.lower(w));
        return String.join(" ", splitPython(String.join(" ", words)));
    }

    /** Python {@code str.split()} with no arguments. */
    private static List<String> splitPython(String s) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < s.length()) {
            while (i < s.length() && PythonText.isSpace(s.charAt(i))) i++;
            int j = i;
            while (j < s.length() && !PythonText.isSpace(s.charAt(j))) j++;
            if (j > i) out.add(s.substring(i, j));
            i = j;
        }
        return out;
    }

    /** unicodedata category starting with "C" (tab, newline and CR count as whitespace instead). */
    private static boolean isControl(int cp) {
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /** Merges the byte symbols of one word by rank; the last symbol carries {@code </w>}. */
    String bpe(String token) {
        String cached = cache.get(token);
        if (cached != null) return cached;
        List<String> word = new ArrayList<>(token.length());
        for (int i = 0; i < token.length(); i++) word.add(String.valueOf(token.charAt(i)));
        word.set(word.size() - 1, word.get(word.size() - 1) + "</w>");
        while (word.size() > 1) {
            int best = Integer.MAX_VALUE;
            String first = null;
            String second = null;
            for (int i = 0; i + 1 < word.size(); i++) {
                Integer r = ranks.get(word.get(i) + " " + word.get(i + 1));
                if (r != null && r < best) {
                    best = r;
                    first = word.get(i);
                    second = word.get(i + 1);
                }
            }
            if (first == null) break;
            List<String> merged = new ArrayList<>(word.size());
            for (int i = 0; i < word.size(); i++) {
                if (i + 1 < word.size() && word.get(i).equals(first) && word.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i++;
                } else {
                    merged.add(word.get(i));
                }
            }
            word = merged;
        }
        String out = String.join(" ", word);
        if (cache.size() < 100_000) cache.put(token, out);
        return out;
    }

    /** GPT-2's reversible byte → printable character table. */
    private static char[] bytesToUnicode() {
        char[] table = new char[256];
        Set<Integer> direct = new java.util.HashSet<>();
        for (int b = '!'; b <= '~'; b++) direct.add(b);
        for (int b = 0xA1; b <= 0xAC; b++) direct.add(b);
        for (int b = 0xAE; b <= 0xFF; b++) direct.add(b);
        int n = 0;
        for (int b = 0; b < 256; b++) {
            table[b] = direct.contains(b) ? (char) b : (char) (256 + n++);
        }
        return table;
    }
}
