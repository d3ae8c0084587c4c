package dev.sprint.core.gemma;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.Lazy;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Gemma2Model against transformers (golden text_encoder_forward and the encode_prompt hidden states),
 * compared at positions with mask 1, tolerance 1e-4·max(1, max|ref|). Backends subclass it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class Gemma2ParityTest {
    protected abstract TensorBackend backend();

    private final Lazy<Gemma2Model> model = new Lazy<>(() -> Gemma2Model.load(Golden.sana().resolve("model/text_encoder"), backend()));

    protected Gemma2Model model() {
        return model.get();
    }

    @AfterAll
    void closeModel() throws Exception {
        model.close();
    }

    /** Compares only rows whose mask is 1 (padded rows are never used downstream). */
    private void check(String what, Map<String, HostTensor> c, String ids, String mask, String hidden) {
        long[][] idRows = Golden.rows(Golden.get(c, ids));
        long[][] maskRows = Golden.rows(Golden.get(c, mask));
        Tensor out = model().forward(idRows, maskRows);
        HostTensor ref = Golden.get(c, hidden);
        Golden.assertShape(what, out.shape(), ref);
        float[] got = backend().toFloats(out);
        float[] want = ref.toFloats();
        int h = (int) ref.shape()[2];
        int l = idRows[0].length;
        int valid = 0;
        for (long[] r : maskRows) for (long m : r) valid += (int) m;
        float[] a = new float[valid * h];
        float[] e = new float[valid * h];
        int k = 0;
        for (int b = 0; b < idRows.length; b++) {
            for (int i = 0; i < l; i++) {
                if (maskRows[b][i] == 0) continue;
                System.arraycopy(got, (b * l + i) * h, a, k * h, h);
                System.arraycopy(want, (b * l + i) * h, e, k * h, h);
                k++;
            }
        }
        Golden.assertClose(what, a, HostTensor.ofFloats(e, valid, h), 1e-4);
    }

    @Test
    void textEncoderForward() {
        check("text_encoder_forward", Golden.load(Golden.sana().resolve("cases/text_encoder_forward.safetensors")),
                "input_ids", "attention_mask", "last_hidden_state");
    }

    @Test
    void encodePromptWithInstruction() {
        check("encode_prompt_chi", Golden.load(Golden.sana().resolve("cases/encode_prompt_chi.safetensors")),
                "input_ids_full", "attention_mask_full", "hidden_full");
    }

    @Test
    void encodePromptWithoutInstruction() {
        check("encode_prompt_no_chi", Golden.load(Golden.sana().resolve("cases/encode_prompt_no_chi.safetensors")),
                "input_ids_full", "attention_mask_full", "hidden_full");
    }
}
