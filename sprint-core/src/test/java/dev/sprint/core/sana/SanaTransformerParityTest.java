package dev.sprint.core.sana;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** SanaTransformer2DModel against diffusers (Sprint and base variants, with ControlNet residuals). Backends subclass it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SanaTransformerParityTest {
    protected abstract TensorBackend backend();

    private SanaTransformer2DModel sprint;
    private SanaTransformer2DModel base;

    private SanaTransformer2DModel sprint() {
        if (sprint == null) sprint = SanaTransformer2DModel.load(Golden.sana().resolve("model/transformer"), backend());
        return sprint;
    }

    private SanaTransformer2DModel base() {
        if (base == null) base = SanaTransformer2DModel.load(Golden.sana().resolve("model_controlnet/transformer"), backend());
        return base;
    }

    @AfterAll
    void closeModels() {
        if (sprint != null) sprint.close();
        if (base != null) base.close();
    }

    static long[][] rows(HostTensor t) {
        long[] flat = t.toLongs();
        int b = (int) t.shape()[0];
        int l = (int) t.shape()[1];
        long[][] out = new long[b][l];
        for (int i = 0; i < b; i++) System.arraycopy(flat, i * l, out[i], 0, l);
        return out;
    }

    private void sprintCase(String name) {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/" + name + ".safetensors"));
        TensorBackend be = backend();
        Tensor out = sprint().forward(be.upload(Golden.get(c, "hidden_states"), be.floatType()),
                Golden.get(c, "timestep").toFloats(), Golden.get(c, "guidance").toFloats(),
                be.upload(Golden.get(c, "encoder_hidden_states"), be.floatType()), rows(Golden.get(c, "encoder_attention_mask")), null);
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
        long[][] mask = rows(Golden.get(c, "encoder_attention_mask"));
        Golden.assertClose("without control", be.toFloats(base().forward(x, t, null, text, mask, null)),
                Golden.get(c, "base_transformer_out_without_control"), 1e-4);
        List<Tensor> samples = List.of(be.upload(Golden.get(c, "controlnet_block_sample0"), be.floatType()),
                be.upload(Golden.get(c, "controlnet_block_sample1"), be.floatType()));
        Golden.assertClose("with control", be.toFloats(base().forward(x, t, null, text, mask, samples)),
                Golden.get(c, "base_transformer_out_with_control"), 1e-4);
    }
}
