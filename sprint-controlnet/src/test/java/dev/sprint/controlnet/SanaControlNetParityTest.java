package dev.sprint.controlnet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.core.testing.Golden;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Parity of {@link SanaControlNetModel} with diffusers on golden/sana-sprint (case
 * {@code controlnet_components}, conditioning scale 0.8, and the per-step samples of
 * {@code pipeline_controlnet}, scale 0.7). Metric: max|a−b| ≤ 1e-4·max(1, max|ref|).
 */
public abstract class SanaControlNetParityTest {
    static final double TOL = 1e-4;

    protected abstract TensorBackend backend();

    static Path controlnetDir() {
        return Golden.require(Golden.sana().resolve("model_controlnet/controlnet"));
    }

    static long[][] mask(HostTensor m) {
        return Golden.rows(m);
    }

    @Test
    void componentsCaseBlockSamples() {
        TensorBackend be = backend();
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/controlnet_components.safetensors"));
        try (SanaControlNetModel cn = SanaControlNetModel.load(controlnetDir(), be); Scope s = be.newScope()) {
            assertEquals(2, cn.config().numLayers());
            List<Tensor> out = cn.forward(be.upload(Golden.get(c, "hidden_states"), be.floatType()),
                    be.upload(Golden.get(c, "encoder_hidden_states"), be.floatType()),
                    Golden.get(c, "timestep").toFloats(),
                    be.upload(Golden.get(c, "controlnet_cond"), be.floatType()), 0.8,
                    mask(Golden.get(c, "encoder_attention_mask")));
            assertEquals(2, out.size());
            for (int k = 0; k < 2; k++) {
                HostTensor ref = Golden.get(c, "controlnet_block_sample" + k);
                Golden.assertShape("sample" + k, out.get(k).shape(), ref);
                double rel = Golden.assertClose("controlnet_block_sample" + k, be.toFloats(out.get(k)), ref, TOL);
                org.slf4j.LoggerFactory.getLogger(getClass()).info("controlnet_block_sample{}: rel err {}", k, rel);
            }
        }
    }

    @Test
    void pipelineCaseBlockSamplesPerStep() {
        TensorBackend be = backend();
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/pipeline_controlnet.safetensors"));
        try (SanaControlNetModel cn = SanaControlNetModel.load(controlnetDir(), be); Scope s = be.newScope()) {
            for (int step = 0; step < 2; step++) {
                List<Tensor> out = cn.forward(be.upload(Golden.get(c, "step" + step + "_latent_model_input"), be.floatType()),
                        be.upload(Golden.get(c, "prompt_embeds_cfg"), be.floatType()),
                        Golden.get(c, "step" + step + "_timestep").toFloats(),
                        be.upload(Golden.get(c, "control_latent"), be.floatType()), 0.7,
                        mask(Golden.get(c, "prompt_attention_mask_cfg")));
                for (int k = 0; k < 2; k++) {
                    String name = "step" + step + "_controlnet_block_sample" + k;
                    double rel = Golden.assertClose(name, be.toFloats(out.get(k)), Golden.get(c, name), TOL);
                    org.slf4j.LoggerFactory.getLogger(getClass()).info("{}: rel err {}", name, rel);
                }
            }
        }
    }
}
