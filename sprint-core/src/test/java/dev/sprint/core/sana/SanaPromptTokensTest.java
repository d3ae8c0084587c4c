package dev.sprint.core.sana;

import static dev.sprint.core.text.GemmaFixture.longs;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.text.GemmaCases;
import dev.sprint.core.text.TextTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class SanaPromptTokensTest extends GemmaCases {
    private static List<String> prompts() {
        return cases().stream().map(c -> c.get("prompt").getAsString()).toList();
    }

    @Test
    void chiConstantIsTheGoldenText() {
        assertEquals(golden.get("chi_prompt").getAsString(), String.join("\n", SanaPromptTokens.CHI_DIFFUSERS));
        String nv = String.join("\n", SanaPromptTokens.CHI_NVLABS);
        assertTrue(nv.startsWith("Given a user prompt, generate an \"Enhanced prompt\" that"), nv);
        assertEquals(String.join("\n", SanaPromptTokens.CHI_DIFFUSERS).replace("'Enhanced prompt'", "\"Enhanced prompt\""), nv);
    }

    @Test
    void realGemmaWithoutInstruction() {
        SanaPromptTokens.Tokens t = SanaPromptTokens.tokenize(gemma, prompts(), 300, List.of());
        assertEquals(300, t.fullLength());
        assertArrayEquals(IntStream.range(0, 300).toArray(), t.selectIndex());
        List<JsonObject> cs = cases();
        for (int b = 0; b < cs.size(); b++) {
            JsonObject c = cs.get(b);
            assertEquals(c.get("preprocessed").getAsString(), t.texts().get(b));
            assertArrayEquals(longs(c.getAsJsonArray("input_ids_300")), t.inputIds()[b], t.texts().get(b));
            assertArrayEquals(longs(c.getAsJsonArray("attention_mask_300")), t.attentionMask()[b], t.texts().get(b));
        }
    }

    @Test
    void realGemmaWithInstruction() {
        SanaPromptTokens.Tokens t = SanaPromptTokens.tokenize(gemma, prompts(), 300, SanaPromptTokens.CHI_DIFFUSERS);
        assertEquals(golden.get("max_length_all").getAsInt(), t.fullLength());
        assertEquals(506, t.fullLength());
        long[][] selIds = t.selectedIds();
        long[][] selMask = t.selectedMask();
        List<JsonObject> cs = cases();
        for (int b = 0; b < cs.size(); b++) {
            JsonObject c = cs.get(b);
            String what = c.get("prompt").getAsString();
            assertArrayEquals(longs(c.getAsJsonArray("chi_input_ids")), t.inputIds()[b], what);
            assertArrayEquals(longs(c.getAsJsonArray("chi_attention_mask")), t.attentionMask()[b], what);
            assertArrayEquals(longs(c.getAsJsonArray("chi_selected_input_ids")), selIds[b], what);
            assertArrayEquals(longs(c.getAsJsonArray("chi_selected_attention_mask")), selMask[b], what);
        }
        assertEquals(0, t.selectIndex()[0]);
        assertEquals(506 - 299, t.selectIndex()[1]);
        assertEquals(505, t.selectIndex()[299]);
    }

    @Test
    void tinyTokenizerEncodePromptCases() {
        Path sana = Golden.sana();
        List<String> prompts = List.of("A red fox sitting in fresh snow, watercolor", "  Two robots Playing CHESS at night!  ");
        try (TextTokenizer tiny = TextTokenizer.open(sana.resolve("model/tokenizer"))) {
            Map<String, HostTensor> noChi = Golden.load(sana.resolve("cases/encode_prompt_no_chi.safetensors"));
            SanaPromptTokens.Tokens t = SanaPromptTokens.tokenize(tiny, prompts, 300, List.of());
            assertRows(Golden.get(noChi, "input_ids_full"), t.inputIds());
            assertRows(Golden.get(noChi, "attention_mask_full"), t.attentionMask());
            assertRows(Golden.get(noChi, "prompt_attention_mask"), t.selectedMask());

            Map<String, HostTensor> chi = Golden.load(sana.resolve("cases/encode_prompt_chi.safetensors"));
            SanaPromptTokens.Tokens c = SanaPromptTokens.tokenize(tiny, prompts, 300, SanaPromptTokens.CHI_DIFFUSERS);
            assertEquals(798, c.fullLength());
            assertRows(Golden.get(chi, "input_ids_full"), c.inputIds());
            assertRows(Golden.get(chi, "attention_mask_full"), c.attentionMask());
            assertRows(Golden.get(chi, "prompt_attention_mask"), c.selectedMask());
        }
    }

    @Test
    void preprocessModes() {
        assertEquals("i\u0307stanbul", SanaPromptTokens.preprocess("\u00a0\u0130stanbul\u2003", true));
        assertEquals("\u0130stanbul", SanaPromptTokens.preprocess("\u00a0\u0130stanbul\u2003", false));
    }

    private static void assertRows(HostTensor expected, long[][] actual) {
        long[] flat = expected.toLongs();
        int len = (int) expected.shape()[1];
        assertEquals(expected.shape()[0], actual.length);
        for (int b = 0; b < actual.length; b++) {
            long[] row = java.util.Arrays.copyOfRange(flat, b * len, (b + 1) * len);
            assertArrayEquals(row, actual[b], "row " + b);
        }
    }
}
