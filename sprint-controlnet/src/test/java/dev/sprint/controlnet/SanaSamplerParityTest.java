package dev.sprint.controlnet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.sched.FlowMatchEulerScheduler.FlowMatchEulerConfig;
import dev.sprint.core.sched.FlowMatchEulerScheduler.Schedule;
import dev.sprint.core.sched.FlowMatchEulerSchedulerTest;
import dev.sprint.core.sched.Guidance;
import dev.sprint.core.io.Config;
import dev.sprint.core.rng.TorchGenerator;
import dev.sprint.core.spi.DenoiserHook;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The base-Sana sampler against {@code pipeline_controlnet}: initial noise from the seed, CFG
 * ({@code u + g·(c − u)} on the [negative, positive] batch) and the Euler step, fed with the stored
 * transformer outputs; and the ControlNet hook at scale 0 contributing exact zeros.
 */
public abstract class SanaSamplerParityTest {
    static final double TOL = 1e-4;

    protected abstract TensorBackend backend();

    @Test
    void initialNoiseCfgAndEulerStepsMatchTheReference() throws Exception {
        TensorBackend be = backend();
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/pipeline_controlnet.safetensors"));
        var meta = FlowMatchEulerSchedulerTest.controlnetCase();
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(FlowMatchEulerConfig.from(
                Config.read(Golden.sana().resolve("model_controlnet/scheduler/scheduler_config.json"))));
        Schedule sch = s.schedule(meta.get("num_inference_steps").getAsInt());
        double g = meta.get("guidance_scale").getAsDouble();
        long[] shape = Golden.get(c, "step0_latents_after").shape();
        try (Scope scope = be.newScope()) {
            // the initial latents are the first half of step 0's CFG input
            float[] noise = new TorchGenerator(meta.get("generator_seed").getAsLong()).randn(shape);
            HostTensor in0 = Golden.get(c, "step0_latent_model_input");
            float[] ref0 = java.util.Arrays.copyOf(in0.toFloats(), noise.length);
            Golden.assertClose("initial latents", noise, HostTensor.ofFloats(ref0, shape), TOL);
            Tensor latents = be.fromFloats(ref0, shape);
            for (int i = 0; i < sch.steps(); i++) {
                assertEquals(sch.timesteps()[i], Golden.get(c, "step" + i + "_timestep").toFloats()[0]);
                Tensor v = be.upload(Golden.get(c, "step" + i + "_transformer_out"), be.floatType());
                latents = FlowMatchEulerScheduler.step(sch, i, Guidance.combine(v, g), latents);
                Golden.assertClose("step" + i + "_latents_after", be.toFloats(latents), Golden.get(c, "step" + i + "_latents_after"), TOL);
            }
            Golden.assertClose("vae_decode_input", be.toFloats(latents.mul(1 / 0.41407)), Golden.get(c, "vae_decode_input"), TOL);
        }
    }

    @Test
    void controlScaleZeroAddsExactZeros() {
        TensorBackend be = backend();
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/controlnet_components.safetensors"));
        try (SanaControlNetModel cn = SanaControlNetModel.load(SanaControlNetParityTest.controlnetDir(), be);
             Scope scope = be.newScope()) {
            Tensor x = be.upload(Golden.get(c, "hidden_states"), be.floatType());
            Tensor text = be.upload(Golden.get(c, "encoder_hidden_states"), be.floatType());
            long[][] mask = SanaControlNetParityTest.mask(Golden.get(c, "encoder_attention_mask"));
            float[] t = Golden.get(c, "timestep").toFloats();
            DenoiserHook hook = new ControlNetHook(cn, be.upload(Golden.get(c, "controlnet_cond"), be.floatType()), 0.0);
            List<Tensor> res = hook.residuals(new DenoiserHook.Step(0, 1, x, t, null, text, mask));
            assertEquals(2, res.size());
            for (Tensor r : res) {
                for (float v : be.toFloats(r)) assertEquals(0f, Math.abs(v), "residual at scale 0");
            }
            // x + 0 is x bit for bit: adding the scale-0 residuals leaves any hidden state unchanged
            float[] base = be.toFloats(x.reshape(1, 8, 15).transpose(1, 2).slice(2, 0, 8));
            float[] plus = be.toFloats(x.reshape(1, 8, 15).transpose(1, 2).slice(2, 0, 8).add(res.get(0).slice(2, 0, 8)));
            org.junit.jupiter.api.Assertions.assertArrayEquals(base, plus);
        }
    }
}
