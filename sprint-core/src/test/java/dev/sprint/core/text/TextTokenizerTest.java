package dev.sprint.core.text;

import static dev.sprint.core.text.GemmaFixture.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.sprint.api.ModelLoadException;
import dev.sprint.core.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class TextTokenizerTest extends GemmaCases {
    @Test
    void gemmaRawIdsOfEveryCase() {
        assertEquals(0, gemma.padId());
        for (JsonObject c : cases()) {
            String prompt = c.get("prompt").getAsString();
            long[] expected = longs(c.getAsJsonArray("raw_ids_no_padding"));
            assertArrayEquals(expected, gemma.ids(prompt, true), prompt);
            assertEquals(expected.length, gemma.count(prompt), prompt);
            List<String> tokens = new ArrayList<>();
            c.getAsJsonArray("raw_tokens").forEach(t -> tokens.add(t.getAsString()));
            assertEquals(tokens, gemma.tokens(prompt, true), prompt);
        }
    }

    @Test
    void gemmaPaddedAndTruncatedTo300() {
        List<JsonObject> cs = cases();
        List<String> texts = cs.stream().map(c -> c.get("preprocessed").getAsString()).toList();
        TextTokenizer.Encoded enc = gemma.encode(texts, 300, true);
        assertEquals(16, enc.batch());
        assertEquals(300, enc.length());
        boolean sawTruncation = false;
        for (int b = 0; b < cs.size(); b++) {
            JsonObject c = cs.get(b);
            assertArrayEquals(longs(c.getAsJsonArray("input_ids_300")), enc.ids()[b], texts.get(b));
            assertArrayEquals(longs(c.getAsJsonArray("attention_mask_300")), enc.attentionMask()[b], texts.get(b));
            assertEquals(c.get("num_tokens_300").getAsLong(), Arrays.stream(enc.attentionMask()[b]).sum());
            sawTruncation |= gemma.count(texts.get(b)) > 300;
        }
        assertTrue(sawTruncation, "the golden has a prompt longer than 300 tokens");
    }

    @Test
    void chiCountAndIds() {
        String chi = golden.get("chi_prompt").getAsString();
        assertArrayEquals(longs(golden.getAsJsonArray("chi_ids")), gemma.ids(chi, true));
        assertEquals(208, gemma.count(chi));
        assertEquals(golden.get("num_chi_prompt_tokens").getAsInt(), gemma.count(chi));
    }

    @Test
    void noSilentTruncationAt512() {
        // DJL's defaults would cut at 512 tokens
        String longText = "word ".repeat(2000);
        assertTrue(gemma.count(longText) > 2000);
    }

    @Test
    void truncationKeepsASuffixSpecialToken() throws Exception {
        // A T5-like template "$A </s>": HF truncates the text and keeps </s> last.
        Path dir = Files.createDirectories(tmp.resolve("suffix"));
        Path json = dir.resolve("tokenizer.json");
        Files.writeString(json, """
                {"version":"1.0","truncation":null,"padding":null,
                 "added_tokens":[{"id":0,"content":"<pad>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true},
                                 {"id":1,"content":"</s>","single_word":false,"lstrip":false,"rstrip":false,"normalized":false,"special":true}],
                 "normalizer":null,"pre_tokenizer":{"type":"Whitespace"},
                 "post_processor":{"type":"TemplateProcessing","single":[{"Sequence":{"id":"A","type_id":0}},{"SpecialToken":{"id":"</s>","type_id":0}}],
                   "pair":[{"Sequence":{"id":"A","type_id":0}},{"Sequence":{"id":"B","type_id":0}}],
                   "special_tokens":{"</s>":{"id":"</s>","ids":[1],"tokens":["</s>"]}}},
                 "decoder":null,
                 "model":{"type":"WordLevel","vocab":{"<pad>":0,"</s>":1,"a":2,"b":3,"c":4,"<unk>":5},"unk_token":"<unk>"}}""");
        try (TextTokenizer t = TextTokenizer.open(json)) {
            assertEquals(0, t.padId());
            assertArrayEquals(new long[] {2, 3, 4, 1}, t.ids("a b c", true));
            TextTokenizer.Encoded e = t.encode(List.of("a b c", "b"), 3, true);
            assertArrayEquals(new long[] {2, 3, 1}, e.ids()[0]);
            assertArrayEquals(new long[] {3, 1, 0}, e.ids()[1]);
            assertArrayEquals(new long[] {1, 1, 0}, e.attentionMask()[1]);
            assertArrayEquals(new long[] {2, 3}, t.encode(List.of("a b c"), 2, false).ids()[0]);
        }
    }

    @Test
    void tinyTokenizerMatchesCasesJson() {
        Path dir = Golden.sana().resolve("model/tokenizer");
        JsonObject manifest = GemmaFixture.json(Golden.sana().resolve("cases.json"));
        try (TextTokenizer t = TextTokenizer.open(dir)) {
            assertEquals(0, t.padId());
            int n = 0;
            for (JsonElement e : manifest.getAsJsonArray("tiny_tokenizer")) {
                JsonObject c = e.getAsJsonObject();
                String text = c.get("text").getAsString();
                assertArrayEquals(longs(c.getAsJsonArray("ids")), t.ids(text, true), text);
                List<String> tokens = new ArrayList<>();
                c.getAsJsonArray("tokens").forEach(x -> tokens.add(x.getAsString()));
                assertEquals(tokens, t.tokens(text, true), text);
                n++;
            }
            assertEquals(5, n);
        }
    }

    @Test
    void hostilePadTokensAreModelLoadErrorsAtOnce() throws Exception {
        // found by the long ConfigFuzzTest run: a megabyte pad_token was tokenized at load (2.6 s per million characters)
        Path d = Files.createDirectories(tmp.resolve("hostile-pad"));
        Files.copy(Golden.sana().resolve("model/tokenizer/tokenizer.json"), d.resolve("tokenizer.json"));
        String[][] cases = {
            {"{\"pad_token\": \"" + "x".repeat(1 << 20) + "\"}", "1048576 characters"},
            {"{\"pad_token\": {\"content\": \"" + "x".repeat(2000) + "\"}}", "2000 characters"},
            {"{\"pad_token\": {\"content\": [1]}}", "content"},
            {"{\"pad_token\": 3}", "pad_token"},
        };
        for (String[] c : cases) {
            Files.writeString(d.resolve("tokenizer_config.json"), c[0]);
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> TextTokenizer.open(d));
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    @Test
    void missingFileIsAModelLoadException() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> TextTokenizer.open(tmp.resolve("none/tokenizer.json")));
        assertTrue(e.getMessage().contains("none"), e.getMessage());
    }
}
