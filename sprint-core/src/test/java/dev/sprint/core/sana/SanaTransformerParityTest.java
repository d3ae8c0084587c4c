package dev.sprint.core.sana;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.Lazy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** SanaTransformer2DModel against diffusers (Sprint and base variants, with ControlNet residuals). Backends subclass it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SanaTransformerParityTest {
    protected abstract TensorBackend backend();

    private final Lazy<SanaTransformer2DModel> sprint =
            new Lazy<>(() -> SanaTransformer2DModel.load(Golden.sana().resolve("model/transformer"), backend()));
    private final Lazy<SanaTransformer2DModel> base =
            new Lazy<>(() -> SanaTransformer2DModel.load(Golden.sana().resolve("model_controlnet/transformer"), backend()));

    private SanaTransformer2DModel sprint() {
        return sprint.get();
    }

    private SanaTransformer2DModel base() {
        return base.get();
    }

    @AfterAll
    void closeModels() throws Exception {
        sprint.close();
        base.close();
    }

    private void sprintCase(String name) {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/" + name + ".safetensors"));
        TensorBackend be = backend();
        Tensor out = sprint().forward(be.upload(Golden.get(c, "hidden_states"), be.floatType()),
                Golden.get(c, "timestep").toFloats(), Golden.get(c, "guidance").toFloats(),
                be.upload(Golden.get(c, "encoder_hidden_states"), be.floatType()), Golden.rows(Golden.get(c, "encoder_attention_mask")), null);
        Golden.assertShape(name, out.shape(), Golden.get(c, "output"));
        Golden.assertClose(name, be.toFloats(out), Golden.get(c, "output"), 1e-4);
    }

    @Test
    void sprintAtTheFirstSamplerStep() {
        sprintCase("transformer_b1_sampler_t0");
    }

    @Test
    void sprintBatchOfTwoWithMasksNonSquare() {
        sprintCase("transformer_b2_masks_nonsquare");
    }

    @Test
    void sprintShortText() {
        sprintCase("transformer_b2_short_text");
    }

    @Test
    void baseTransformerWithAndWithoutControlResiduals() {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/controlnet_components.safetensors"));
        TensorBackend be = backend();
        Tensor x = be.upload(Golden.get(c, "hidden_states"), be.floatType());
        Tensor text = be.upload(Golden.get(c, "encoder_hidden_states"), be.floatType());
        float[] t = Golden.get(c, "timestep").toFloats();
        long[][] mask = Golden.rows(Golden.get(c, "encoder_attention_mask"));
        Golden.assertClose("without control", be.toFloats(base().forward(x, t, null, text, mask, null)),
                Golden.get(c, "base_transformer_out_without_control"), 1e-4);
        List<Tensor> samples = List.of(be.upload(Golden.get(c, "controlnet_block_sample0"), be.floatType()),
                be.upload(Golden.get(c, "controlnet_block_sample1"), be.floatType()));
        Golden.assertClose("with control", be.toFloats(base().forward(x, t, null, text, mask, samples)),
                Golden.get(c, "base_transformer_out_with_control"), 1e-4);
    }
}
