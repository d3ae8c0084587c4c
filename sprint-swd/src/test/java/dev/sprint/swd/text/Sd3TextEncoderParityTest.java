package dev.sprint.swd.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.text.TextTokenizer;
import dev.sprint.swd.mmdit.SwdFixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * CLIP-L, OpenCLIP-bigG, T5 and {@code encode_prompt} against transformers / diffusers
 * ({@code text_encoders} and {@code encode_prompt} cases). README tolerance: max|d| ≤ 1e-5·max|ref| + 1e-6.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class Sd3TextEncoderParityTest {
    private static final List<String> PROMPTS = List.of("a photo of a cat", "A tiny red fox,  watercolor style! 42", "");

    protected abstract TensorBackend backend();

    private Sd3TextEncoder encoder;
    private CLIPTextModelWithProjection clipL;
    private CLIPTextModelWithProjection clipG;
    private T5EncoderModel t5;

    @BeforeAll
    void load() {
        ModelFolder folder = ModelFolder.open(Golden.swd().resolve("model"));
        encoder = Sd3TextEncoder.load(folder, backend(), 64);
        clipL = CLIPTextModelWithProjection.load(folder.component("text_encoder"), backend());
        clipG = CLIPTextModelWithProjection.load(folder.component("text_encoder_2"), backend());
        t5 = T5EncoderModel.load(folder.component("text_encoder_3"), backend());
    }

    @AfterAll
    void close() {
        encoder.close();
        clipL.close();
        clipG.close();
        t5.close();
    }

    private void check(String what, Tensor actual, HostTensor expected) {
        assertArrayEquals(expected.shape(), actual.shape(), what + " shape");
        SwdFixtures.assertNear(what, backend().toFloats(actual), expected, 1e-5, 1e-6);
    }

    @Test
    void clipModelsMatchTransformers() {
        Map<String, HostTensor> c = SwdFixtures.load("text_encoders");
        for (String m : List.of("clip_l", "clip_g")) {
            CLIPTextModelWithProjection model = m.equals("clip_l") ? clipL : clipG;
            for (int p = 0; p < PROMPTS.size(); p++) {
                String k = m + "_p" + p + "_";
                long[] ids = Golden.get(c, k + "input_ids").toLongs();
                CLIPTextModelWithProjection.Output o = model.forward(new long[][] {ids});
                check(k + "penultimate_hidden", o.penultimate(), Golden.get(c, k + "penultimate_hidden"));
                check(k + "last_hidden_state", o.lastHidden(), Golden.get(c, k + "last_hidden_state"));
                check(k + "text_embeds", o.textEmbeds(), Golden.get(c, k + "text_embeds"));
            }
        }
    }

    @Test
    void t5MatchesTransformers() {
        Map<String, HostTensor> c = SwdFixtures.load("text_encoders");
        for (int p = 0; p < PROMPTS.size(); p++) {
            long[] ids = Golden.get(c, "t5_p" + p + "_input_ids").toLongs();
            check("t5_p" + p, t5.forward(new long[][] {ids}), Golden.get(c, "t5_p" + p + "_last_hidden_state"));
        }
    }

    @Test
    void encodePromptMatchesDiffusers() {
        Map<String, HostTensor> c = SwdFixtures.load("encode_prompt");
        Sd3TextEncoder.Embeddings pos = encoder.encode(PROMPTS.subList(0, 2), 16);
        check("prompt_embeds", pos.promptEmbeds(), Golden.get(c, "prompt_embeds"));
        check("pooled_prompt_embeds", pos.pooled(), Golden.get(c, "pooled_prompt_embeds"));
        Sd3TextEncoder.Embeddings neg = encoder.encode(List.of("", ""), 16);
        check("negative_prompt_embeds", neg.promptEmbeds(), Golden.get(c, "negative_prompt_embeds"));
        check("negative_pooled_prompt_embeds", neg.pooled(), Golden.get(c, "negative_pooled_prompt_embeds"));
    }

    @Test
    void batchRowsEqualSingleRuns() {
        Sd3TextEncoder.Embeddings both = encoder.encode(PROMPTS.subList(0, 2), 16);
        Sd3TextEncoder.Embeddings second = encoder.encode(PROMPTS.subList(1, 2), 16);
        float[] all = backend().toFloats(both.promptEmbeds());
        float[] one = backend().toFloats(second.promptEmbeds());
        for (int i = 0; i < one.length; i++) {
            if (Math.abs(all[one.length + i] - one[i]) > 1e-5 * (1 + Math.abs(one[i]))) {
                throw new AssertionError("row 1 of the batch differs from the single run at " + i);
            }
        }
    }

    @Test
    void badLengthsAreRejected() {
        assertThrows(InvalidRequestException.class, () -> encoder.encode(List.of("x"), 0));
        assertThrows(InvalidRequestException.class, () -> encoder.encode(List.of("x"), 513));
        assertThrows(InvalidRequestException.class, () -> encoder.encode(List.of(), 16));
    }
}
