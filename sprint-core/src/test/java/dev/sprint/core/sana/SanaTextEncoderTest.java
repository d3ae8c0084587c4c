package dev.sprint.core.sana;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The whole prompt path (preprocess, CHI, tokenize, Gemma-2, select) against diffusers' encode_prompt. */
class SanaTextEncoderTest {
    static final List<String> PROMPTS = List.of("A red fox sitting in fresh snow, watercolor", "  Two robots Playing CHESS at night!  ");
    static SanaTextEncoder text;

    @BeforeAll
    static void load() {
        text = SanaTextEncoder.load(ModelFolder.open(Golden.sana().resolve("model")), new ReferenceBackend());
    }

    @AfterAll
    static void close() {
        text.close();
    }

    private static void check(String file, List<String> instruction) {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/" + file));
        SanaTextEncoder.Embeddings e = text.encode(PROMPTS, 300, instruction, true);
        long[] mask = Golden.get(c, "prompt_attention_mask").toLongs();
        long[] got = new long[mask.length];
        for (int b = 0; b < 2; b++) System.arraycopy(e.mask()[b], 0, got, b * 300, 300);
        assertArrayEquals(mask, got, "prompt_attention_mask");
        float[] all = e.embeds().backend().toFloats(e.embeds());
        float[] ref = Golden.get(c, "prompt_embeds").toFloats();
        int h = 24;
        int valid = 0;
        for (long m : mask) valid += (int) m;
        float[] a = new float[valid * h];
        float[] r = new float[valid * h];
        int k = 0;
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == 0) continue;
            System.arraycopy(all, i * h, a, k * h, h);
            System.arraycopy(ref, i * h, r, k * h, h);
            k++;
        }
        Golden.assertClose(file, a, HostTensor.ofFloats(r, valid, h), 1e-4);
        // padding is not computed: the transformer masks it out of cross-attention, so it is returned as zeros
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] != 0) continue;
            for (int j = 0; j < h; j++) assertEquals(0f, all[i * h + j], "masked position " + i);
        }
        // the full forward (diffusers' computation, every position) agrees at the kept positions
        SanaTextEncoder.Embeddings full = text.encodeFull(PROMPTS, 300, instruction, true);
        float[] f = full.embeds().backend().toFloats(full.embeds());
        for (int i = 0; i < mask.length; i++) {
            if (mask[i] == 0) continue;
            for (int j = 0; j < h; j++) assertEquals(f[i * h + j], all[i * h + j], 1e-5, "position " + i);
        }
    }

    @Test
    void withInstruction() {
        check("encode_prompt_chi.safetensors", SanaPromptTokens.CHI_DIFFUSERS);
    }

    @Test
    void withoutInstruction() {
        check("encode_prompt_no_chi.safetensors", List.of());
    }
}
