package dev.sprint.swd.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.rng.TorchGenerator;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The SwD and plain Euler loops against the reference runs, replaying the stored denoiser outputs and
 * noise so the sampler math is checked on its own (every intermediate at 1e-4·max(1, max|ref|)).
 */
class SwdSamplerReplayTest {
    private final ReferenceBackend be = new ReferenceBackend();

    static JsonObject params(String name) throws Exception {
        JsonObject all = JsonParser.parseString(Files.readString(Golden.swd().resolve("cases.json"))).getAsJsonObject();
        for (var c : all.getAsJsonArray("cases")) {
            if (c.getAsJsonObject().get("name").getAsString().equals(name)) return c.getAsJsonObject().getAsJsonObject("params");
        }
        throw new AssertionError("no case " + name);
    }

    private void replay(String name) throws Exception {
        JsonObject p = params(name);
        Map<String, HostTensor> c = Golden.load(Golden.swd().resolve("cases/" + name + ".safetensors"));
        JsonArray sc = p.getAsJsonArray("tiny_scales");
        JsonArray sg = p.getAsJsonArray("sigmas");
        int[] sides = new int[sc.size()];
        for (int i = 0; i < sides.length; i++) sides[i] = sc.get(i).getAsInt();
        float[] sigmas = new float[sg.size()];
        for (int i = 0; i < sigmas.length; i++) sigmas[i] = sg.get(i).getAsFloat();
        ScaleSchedule table = ScaleSchedule.square(name, sides, sigmas);
        List<HostTensor> draws = new ArrayList<>();
        draws.add(Golden.get(c, "initial_noise"));
        for (int i = 0; i < table.steps(); i++) draws.add(Golden.get(c, "step" + i + "_noise"));
        int[] next = {0};
        HostTensor init = draws.get(0);
        Tensor out = ScaleWiseSampler.sample(be, table, (int) init.shape()[0], (int) init.shape()[1],
                (x, t, i) -> {
                    assertEquals(Golden.get(c, "step" + i + "_timestep").toFloats()[0], t[0], 0f, "timestep " + i);
                    return be.upload(Golden.get(c, "step" + i + "_noise_pred"), be.floatType());
                },
                shape -> {
                    HostTensor d = draws.get(next[0]++);
                    assertArrayEquals(d.shape(), shape, "noise shape");
                    return d.toFloats();
                },
                (i, t, x0, up, latents) -> {
                    Golden.assertClose(name + " step" + i + " x0", be.toFloats(x0), Golden.get(c, "step" + i + "_x0_pred"), 1e-4);
                    Golden.assertClose(name + " step" + i + " x0 upscaled", be.toFloats(up), Golden.get(c, "step" + i + "_x0_upscaled"), 1e-4);
                    Golden.assertClose(name + " step" + i + " latents", be.toFloats(latents), Golden.get(c, "step" + i + "_latents"), 1e-4);
                });
        assertEquals(draws.size(), next[0], "every stored draw is consumed");
        Golden.assertClose(name + " final", be.toFloats(out), Golden.get(c, "step" + (table.steps() - 1) + "_latents"), 1e-4);
    }

    @Test
    void swd6Steps() throws Exception {
        replay("swd_2b_6step");
    }

    @Test
    void swd4Steps() throws Exception {
        replay("swd_2b_4step");
    }

    @Test
    void swd4StepsFrom64() throws Exception {
        replay("swd_4step_64_128");
    }

    @Test
    void swd6StepsWithGuidance() throws Exception {
        // with CFG the stored noise_pred is the guided velocity; also check guide() on the batched output
        Map<String, HostTensor> c = Golden.load(Golden.swd().resolve("cases/swd_2b_6step_cfg.safetensors"));
        for (int i = 0; i < 6; i++) {
            Tensor stacked = be.upload(Golden.get(c, "step" + i + "_model_output"), be.floatType());
            Golden.assertClose("guide " + i, be.toFloats(ScaleWiseSampler.guide(stacked, 4.5)),
                    Golden.get(c, "step" + i + "_noise_pred"), 1e-4);
        }
        replay("swd_2b_6step_cfg");
    }

    @Test
    void initialNoiseComesFromTheAvx2Generator() throws Exception {
        JsonObject p = params("swd_2b_4step");
        Map<String, HostTensor> c = Golden.load(Golden.swd().resolve("cases/swd_2b_4step.safetensors"));
        HostTensor init = Golden.get(c, "initial_noise");
        TorchGenerator g = new TorchGenerator(p.get("seed").getAsLong(), TorchGenerator.CpuCapability.AVX2);
        assertArrayEquals(init.toFloats(), g.randn(init.shape()));
    }

    @Test
    void eulerSchedulesAndSteps() throws Exception {
        Map<String, HostTensor> s = Golden.load(Golden.swd().resolve("cases/schedule_28_shift3.safetensors"));
        Golden.assertClose("28-step sigmas", FlowMatchEuler.sigmas(28, 3.0, 1000), Golden.get(s, "sigmas"), 1e-6);
        for (String name : new String[] {"plain_euler_4step", "plain_euler_4step_cfg"}) {
            Map<String, HostTensor> c = Golden.load(Golden.swd().resolve("cases/" + name + ".safetensors"));
            float[] sigmas = FlowMatchEuler.sigmas(4, 3.0, 1000);
            Golden.assertClose(name + " sigmas", sigmas, Golden.get(c, "sigmas"), 1e-6);
            double g = params(name).get("guidance_scale").getAsDouble();
            Tensor init = be.upload(Golden.get(c, "initial_noise"), be.floatType());
            FlowMatchEuler.sample(be, init, sigmas, (x, t, i) -> {
                assertEquals(Golden.get(c, "step" + i + "_timestep").toFloats()[0], t[0], 1e-3f, "timestep " + i);
                Tensor out = be.upload(Golden.get(c, "step" + i + "_model_output"), be.floatType());
                return g > 1 ? ScaleWiseSampler.guide(out, g) : out;
            }, (i, t, x0, up, latents) -> Golden.assertClose(name + " step" + i, be.toFloats(latents),
                    Golden.get(c, "step" + i + "_latents"), 1e-4));
        }
    }

    @Test
    void badTablesAreClearErrors() {
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("32,48", "1.0,0.5"));
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("32,48", "1.0,0.5,0.1"));
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("32,48", "1.0,1.2,0"));
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("32,4x", "1.0,0.5,0"));
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("33,48", "1.0,0.5,0").requireMultipleOf(2));
        ScaleSchedule ok = ScaleSchedule.parse("8x10,10x12", "1.0,0.5,0");
        assertArrayEquals(new int[] {10, 12}, ok.scales().get(1));
        ScaleSchedule ns = SwdPreset.MEDIUM_6_STEPS.schedule(96, 128, 2);
        assertArrayEquals(new int[] {96, 128}, ns.scales().get(5));
        assertArrayEquals(new int[] {24, 32}, ns.scales().get(0));
    }
}
