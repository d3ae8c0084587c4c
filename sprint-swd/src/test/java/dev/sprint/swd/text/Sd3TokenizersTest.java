package dev.sprint.swd.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.text.TextTokenizer;
import dev.sprint.swd.mmdit.SwdFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token ids of the three SD3 tokenizers against transformers' slow CLIPTokenizer / T5Tokenizer
 * ({@code text_encoders} case). The CLIP folders are copied WITHOUT their extra tokenizer.json, as the
 * real SD3.5 folders ship them.
 */
class Sd3TokenizersTest {
    private static final List<String> PROMPTS = List.of("a photo of a cat", "A tiny red fox,  watercolor style! 42", "");

    @TempDir
    Path tmp;

    private Path realLayout(String name) throws IOException {
        Path src = Golden.swd().resolve("model/" + name);
        Path dst = tmp.resolve(name);
        Files.createDirectories(dst);
        try (Stream<Path> files = Files.list(src)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (!f.getFileName().toString().equals("tokenizer.json")) Files.copy(f, dst.resolve(f.getFileName()));
            }
        }
        assertFalse(Files.exists(dst.resolve("tokenizer.json")));
        return dst;
    }

    @Test
    void clipIdsMatchTransformersWithoutTokenizerJson() throws IOException {
        Map<String, HostTensor> c = SwdFixtures.load("text_encoders");
        ClipTokenizer l = ClipTokenizer.open(realLayout("tokenizer"));
        ClipTokenizer g = ClipTokenizer.open(realLayout("tokenizer_2"));
        for (int p = 0; p < PROMPTS.size(); p++) {
            assertArrayEquals(Golden.get(c, "clip_l_p" + p + "_input_ids").toLongs(), l.encode(PROMPTS.get(p)), "CLIP-L p" + p);
            assertArrayEquals(Golden.get(c, "clip_g_p" + p + "_input_ids").toLongs(), g.encode(PROMPTS.get(p)), "CLIP-G p" + p);
        }
        // the pads differ: eos for CLIP-L, "!" (id 0) for CLIP-G; a literal "!" is the special token in CLIP-G only
        assertEquals(l.eosId(), l.padId());
        assertEquals(0, g.padId());
        assertNotEquals(l.tokenIds("!").get(0), g.tokenIds("!").get(0));
        assertEquals(List.of(0), g.tokenIds("!"));
    }

    @Test
    void clipNormalisesAndTruncates() throws IOException {
        ClipTokenizer l = ClipTokenizer.open(realLayout("tokenizer"));
        // case, repeated and exotic whitespace, control characters do not change the ids
        assertEquals(l.tokenIds("a photo of a cat"), l.tokenIds("  A\tPHOTO\u00a0of \u0007a\n cat "));
        // truncation keeps bos + 75 tokens + eos
        long[] ids = l.encode("cat ".repeat(200));
        assertEquals(77, ids.length);
        assertEquals(l.eosId(), ids[76]);
        assertNotEquals(l.eosId(), ids[75]);
    }

    @Test
    void missingVocabularyIsAClearError() throws IOException {
        Path dir = realLayout("tokenizer");
        Files.delete(dir.resolve("merges.txt"));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> ClipTokenizer.open(dir));
        assert e.getMessage().contains("merges.txt") : e.getMessage();
    }

    @Test
    void hostileTokenizerConfigsAreModelLoadErrors() throws IOException {
        // found by Sd3ConfigFuzzTest: the token configs were read with Gson casts (IllegalStateException,
        // NumberFormatException) and the vocabulary with a lenient parser
        Path dir = realLayout("tokenizer");
        String config = Files.readString(dir.resolve("tokenizer_config.json"));
        String vocab = Files.readString(dir.resolve("vocab.json"));
        String[][] cases = {
            {"tokenizer_config.json", config.replaceFirst("\"added_tokens_decoder\": \\{", "\"added_tokens_decoder\": -208, \"x\": {"),
                "added_tokens_decoder"},
            {"tokenizer_config.json", config.replace("\"672\"", "\"six\""), "not a token id"},
            {"tokenizer_config.json", config.replace("\"content\": \"<|startoftext|>\"", "\"content\": [1]"), "content"},
            {"tokenizer_config.json", config.replace("\"pad_token\": \"<|endoftext|>\"", "\"pad_token\": {\"content\": {}}"),
                "content"},
            {"tokenizer_config.json", config.replace("\"bos_token\": \"<|startoftext|>\"", "\"bos_token\": 7"), "bos_token"},
            {"tokenizer_config.json", config.replace("\"model_max_length\": 77", "\"model_max_length\": [77]"), "model_max_length"},
            {"vocab.json", vocab.replaceFirst("\"", ""), "vocab.json"},
            {"vocab.json", vocab.replaceFirst(": 0", ": -1"), "vocab.json"},
            {"vocab.json", vocab.replaceFirst(": 0", ": \"0\""), "vocab.json"},
        };
        for (String[] c : cases) {
            Path f = dir.resolve(c[0]);
            String original = Files.readString(f);
            Files.writeString(f, c[1]);
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> ClipTokenizer.open(dir), c[1]);
            assert e.getMessage().contains(c[2]) : c[2] + " not in " + e.getMessage();
            Files.writeString(f, original);
        }
        // the "no limit" sentinel transformers writes is not an error: CLIP's 77 positions apply
        Files.writeString(dir.resolve("tokenizer_config.json"), config.replace("\"model_max_length\": 77",
                "\"model_max_length\": 1000000000000000019884624838656"));
        assertEquals(77, ClipTokenizer.open(dir).encode("a cat").length);
    }

    @Test
    void t5IdsMatchTransformers() {
        Map<String, HostTensor> c = SwdFixtures.load("text_encoders");
        try (TextTokenizer t5 = TextTokenizer.open(Golden.swd().resolve("model/tokenizer_3"))) {
            for (int p = 0; p < PROMPTS.size(); p++) {
                long[] ids = t5.encode(List.of(PROMPTS.get(p)), 16, true).ids()[0];
                assertArrayEquals(Golden.get(c, "t5_p" + p + "_input_ids").toLongs(), ids, "T5 p" + p);
            }
        }
    }

    @Test
    void t5RelativeBucketsFollowTheLogRule() {
        long[] b = T5EncoderModel.relativeBuckets(200, 32, 128);
        // query 0: keys 0..7 exact (16 + d for positive distances), then log buckets, clamped at 31
        assertEquals(0, b[0]);
        assertEquals(16 + 7, b[7]);
        assertEquals(16 + 8, b[8]);
        assertEquals(16 + 10, b[16]);  // 8 + trunc(log(2)/log(16)·8) = 8 + 2
        assertEquals(16 + 12, b[32]);
        assertEquals(16 + 15, b[127]);
        assertEquals(16 + 15, b[199]);
        // query 199 looking back: negative distances use buckets 0..15
        assertEquals(15, b[199 * 200]);
        assertEquals(3, b[199 * 200 + 196]);
    }
}
