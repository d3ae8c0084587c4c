package dev.sprint.swd.sampler;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.lora.LoraMergedSource;
import dev.sprint.core.rng.TorchGenerator;
import dev.sprint.core.sched.Denoiser;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.sched.Guidance;
import dev.sprint.core.sched.Noise;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.swd.mmdit.SD3Transformer2DModel;
import dev.sprint.swd.mmdit.SwdFixtures;
import dev.sprint.swd.vae.AutoencoderKL;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The SwD scale-wise loop and SD3's flow-matching Euler loop against the reference runs (golden/swd
 * README §4): first with the stored velocities replayed (the sampler math alone), then end to end with
 * the tiny transformer (+ merged SwD LoRA), the stored noise draws and the VAE, checking every
 * intermediate. README §7 metrics: latents max|d| ≤ 1e-4 (1e-3 with CFG), uint8 images |d| ≤ 1 on
 * ≤ 0.5 % of values.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SwdSamplerParityTest {
    private static final Path MODEL = Golden.swd().resolve("model");

    protected abstract TensorBackend backend();

    private SD3Transformer2DModel base;
    private SD3Transformer2DModel swd;
    private AutoencoderKL vae;

    @BeforeAll
    void load() {
        TensorBackend be = backend();
        Path dir = MODEL.resolve("transformer");
        base = SD3Transformer2DModel.load(dir, be);
        swd = SD3Transformer2DModel.load(dir, LoraMergedSource.open(dir, List.of(Lora.of(MODEL.resolve("swd"))), LoraMergedSource.SD3), be);
        vae = AutoencoderKL.load(MODEL.resolve("vae"), be);
    }

    @AfterAll
    void close() {
        base.close();
        swd.close();
        vae.close();
    }

    /** SD3.5's scheduler: shift 3, 1000 training steps. */
    static FlowMatchEulerScheduler euler() {
        return new FlowMatchEulerScheduler(new FlowMatchEulerScheduler.FlowMatchEulerConfig(1000, 3.0, null, false));
    }

    static ScaleSchedule table(String name) {
        JsonObject p = SwdFixtures.params(name);
        JsonArray sc = p.getAsJsonArray("tiny_scales");
        JsonArray sg = p.getAsJsonArray("sigmas");
        int[] sides = new int[sc.size()];
        for (int i = 0; i < sides.length; i++) sides[i] = sc.get(i).getAsInt();
        float[] sigmas = new float[sg.size()];
        for (int i = 0; i < sigmas.length; i++) sigmas[i] = sg.get(i).getAsFloat();
        return ScaleSchedule.square(name, sides, sigmas);
    }

    /** Replays the stored draws in order (initial noise, then stepN_noise), checking each requested shape. */
    static Noise storedNoise(Map<String, HostTensor> c, int steps, int[] consumed) {
        List<HostTensor> draws = new ArrayList<>();
        draws.add(Golden.get(c, "initial_noise"));
        for (int i = 0; i < steps; i++) draws.add(Golden.get(c, "step" + i + "_noise"));
        return shape -> {
            HostTensor d = draws.get(consumed[0]++);
            assertArrayEquals(d.shape(), shape, "noise draw " + (consumed[0] - 1) + " shape");
            return d.toFloats();
        };
    }

    /** Runs one SwD case with the given denoiser and checks every stored intermediate. */
    private Tensor runSwd(String name, Map<String, HostTensor> c, Denoiser denoiser, double tol) {
        TensorBackend be = backend();
        ScaleSchedule table = table(name);
        int[] consumed = {0};
        HostTensor init = Golden.get(c, "initial_noise");
        Tensor out = ScaleWiseSampler.sample(be, table, (int) init.shape()[0], (int) init.shape()[1],
                (x, t, i) -> {
                    assertEquals(Golden.get(c, "step" + i + "_timestep").toFloats()[0], t[0], 0f, name + " timestep " + i);
                    if (i > 0) SwdFixtures.assertNear(name + " step" + i + " input", be.toFloats(x),
                            Golden.get(c, "step" + (i - 1) + "_latents"), 0, tol);
                    Tensor v = denoiser.velocity(x, t, i);
                    SwdFixtures.assertNear(name + " step" + i + " noise_pred", be.toFloats(v),
                            Golden.get(c, "step" + i + "_noise_pred"), 0, tol);
                    return v;
                },
                storedNoise(c, table.steps(), consumed),
                (i, t, x0, up, latents) -> {
                    SwdFixtures.assertNear(name + " step" + i + " x0", be.toFloats(x0), Golden.get(c, "step" + i + "_x0_pred"), 0, tol);
                    SwdFixtures.assertNear(name + " step" + i + " x0 upscaled", be.toFloats(up),
                            Golden.get(c, "step" + i + "_x0_upscaled"), 0, tol);
                    SwdFixtures.assertNear(name + " step" + i + " latents", be.toFloats(latents),
                            Golden.get(c, "step" + i + "_latents"), 0, tol);
                });
        assertEquals(table.steps() + 1, consumed[0], "every stored draw is consumed (one per step, the last included)");
        return out;
    }

    /** Decodes final latents like the pipeline (x / scaling + shift → VAE → uint8) and compares the image. */
    private void checkImage(String name, Map<String, HostTensor> c, Tensor latents) {
        TensorBackend be = backend();
        Tensor img = vae.decode(vae.toVaeSpace(latents));
        if (c.containsKey("vae_decoded")) {
            SwdFixtures.assertNear(name + " vae_decoded", be.toFloats(img), Golden.get(c, "vae_decoded"), 1e-4, 1e-5);
        }
        HostTensor want = Golden.get(c, "image_uint8");
        long[] s = img.shape();
        byte[][] rgb = ImageProcessing.toRgb8(be.toFloats(img), (int) s[0], (int) s[2], (int) s[3]);
        SwdFixtures.assertImage(name + " image", rgb[0], want);
    }

    // ---- sampler math alone: stored velocities replayed -------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"swd_2b_6step", "swd_2b_4step", "swd_4step_64_128", "swd_2b_6step_cfg"})
    void replayedVelocities(String name) {
        TensorBackend be = backend();
        Map<String, HostTensor> c = SwdFixtures.load(name);
        runSwd(name, c, (x, t, i) -> be.upload(Golden.get(c, "step" + i + "_noise_pred"), be.floatType()), 1e-4);
    }

    @Test
    void guidanceCombinesUncondAndCond() {
        TensorBackend be = backend();
        Map<String, HostTensor> c = SwdFixtures.load("swd_2b_6step_cfg");
        for (int i = 0; i < 6; i++) {
            Tensor stacked = be.upload(Golden.get(c, "step" + i + "_model_output"), be.floatType());
            SwdFixtures.assertNear("guide " + i, be.toFloats(Guidance.combine(stacked, 4.5)),
                    Golden.get(c, "step" + i + "_noise_pred"), 0, 1e-5);
        }
    }

    // ---- end to end: transformer (+ SwD LoRA), stored noise, VAE --------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"swd_2b_6step", "swd_2b_4step", "swd_4step_64_128"})
    void swdEndToEnd(String name) {
        TensorBackend be = backend();
        Map<String, HostTensor> c = SwdFixtures.load(name);
        int prompt = name.equals("swd_4step_64_128") ? 1 : 0;  // cases.json runs: prompt index per case
        Tensor[] text = SwdFixtures.promptEmbeds(be, prompt, false);
        Tensor out = runSwd(name, c, new Sd3Denoiser(swd, text[0], text[1]), 1e-4);
        checkImage(name, c, out);
    }

    @Test
    void swdEndToEndWithGuidance() {
        String name = "swd_2b_6step_cfg";
        TensorBackend be = backend();
        Map<String, HostTensor> c = SwdFixtures.load(name);
        Tensor[] pos = SwdFixtures.promptEmbeds(be, 0, false);
        Tensor[] neg = SwdFixtures.promptEmbeds(be, 0, true);
        int[] step = {0};
        double g = SwdFixtures.params(name).get("guidance_scale").getAsDouble();
        Sd3Denoiser d = new Sd3Denoiser(swd, pos[0], pos[1], neg[0], neg[1], g, out ->
                SwdFixtures.assertNear(name + " step" + step[0] + " model_output [uncond; cond]", be.toFloats(out),
                        Golden.get(c, "step" + step[0]++ + "_model_output"), 0, 1e-3));
        Tensor out = runSwd(name, c, d, 1e-3);
        assertEquals(6, step[0]);
        checkImage(name, c, out);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain_euler_4step", "plain_euler_4step_cfg"})
    void plainEulerEndToEnd(String name) {
        TensorBackend be = backend();
        Map<String, HostTensor> c = SwdFixtures.load(name);
        JsonObject p = SwdFixtures.params(name);
        double g = p.get("guidance_scale").getAsDouble();
        double tol = g > 1 ? 1e-3 : 1e-4;
        int steps = p.get("num_inference_steps").getAsInt();
        FlowMatchEulerScheduler.Schedule schedule = euler().schedule(steps);
        float[] sigmas = schedule.sigmas();
        SwdFixtures.assertNear(name + " sigmas", sigmas, Golden.get(c, "sigmas"), 0, 1e-6);
        Tensor[] pos = SwdFixtures.promptEmbeds(be, 0, false);
        Tensor[] neg = SwdFixtures.promptEmbeds(be, 0, true);
        int[] step = {0};
        Sd3Denoiser d = new Sd3Denoiser(base, pos[0], pos[1], neg[0], neg[1], g, out ->
                SwdFixtures.assertNear(name + " step" + step[0] + " model_output", be.toFloats(out),
                        Golden.get(c, "step" + step[0]++ + "_model_output"), 0, tol));
        assertEquals(g > 1, d.guided());
        Tensor init = be.upload(Golden.get(c, "initial_noise"), be.floatType());
        Tensor out = FlowMatchEulerScheduler.sample(be, init, schedule, (x, t, i) -> {
            assertEquals(Golden.get(c, "step" + i + "_timestep").toFloats()[0], t[0], 1e-3f, name + " timestep " + i);
            return d.velocity(x, t, i);
        }, (i, t, x0, up, latents) -> SwdFixtures.assertNear(name + " step" + i + " latents", be.toFloats(latents),
                Golden.get(c, "step" + i + "_latents"), 0, tol));
        assertEquals(steps, step[0]);
        checkImage(name, c, out);
    }

    // ---- schedules, presets, tables ----------------------------------------------------------------

    @Test
    void euler28StepShift3Schedule() {
        Map<String, HostTensor> s = SwdFixtures.load("schedule_28_shift3");
        float[] sigmas = euler().schedule(28).sigmas();
        SwdFixtures.assertNear("28-step sigmas", sigmas, Golden.get(s, "sigmas"), 0, 1e-6);
        float[] ts = new float[28];
        for (int i = 0; i < 28; i++) ts[i] = sigmas[i] * 1000f;
        SwdFixtures.assertNear("28-step timesteps", ts, Golden.get(s, "timesteps"), 0, 1e-3);
        // the SwD tables are points of this grid (swd.md 3.2): 6-step = indices 0,4,7,12,14,18
        float[] six = SwdPreset.MEDIUM_6_STEPS.schedule().sigmas();
        int[] idx = {0, 4, 7, 12, 14, 18};
        for (int k = 0; k < idx.length; k++) assertEquals(sigmas[idx[k]], six[k], 1e-4, "6-step sigma " + k);
    }

    @Test
    void initialNoiseComesFromTheTorchGenerator() {
        JsonObject p = SwdFixtures.params("swd_2b_4step");
        HostTensor init = Golden.get(SwdFixtures.load("swd_2b_4step"), "initial_noise");
        TorchGenerator g = new TorchGenerator(p.get("seed").getAsLong(), TorchGenerator.CpuCapability.AVX2);
        assertArrayEquals(init.toFloats(), g.randn(init.shape()));
    }

    @Test
    void presetsMatchTheReadmeTables() {
        assertEquals(List.of(32, 48, 64, 80, 96, 128), sides(SwdPreset.MEDIUM_6_STEPS.schedule()));
        assertEquals(List.of(64, 80, 96, 128), sides(SwdPreset.MEDIUM_4_STEPS_2026.schedule()));
        assertEquals(List.of(32, 64, 96, 128), sides(SwdPreset.MEDIUM_4_STEPS_2025.schedule()));
        assertArrayEquals(new float[] {1f, 0.9454f, 0.7904f, 0.6022f, 0f}, SwdPreset.MEDIUM_4_STEPS_2025.schedule().sigmas());
        assertArrayEquals(new float[] {1f, 0.8959f, 0.7371f, 0.6022f, 0f}, SwdPreset.LARGE_4_STEPS.schedule().sigmas());
        // the golden runs are these presets with every scale divided by 8
        assertEquals(List.of(4, 6, 8, 10, 12, 16), sides(table("swd_2b_6step")));
        assertArrayEquals(SwdPreset.MEDIUM_6_STEPS.schedule().sigmas(), table("swd_2b_6step").sigmas());
        assertArrayEquals(SwdPreset.MEDIUM_4_STEPS_2025.schedule().sigmas(), table("swd_2b_4step").sigmas());
        assertArrayEquals(SwdPreset.MEDIUM_4_STEPS_2026.schedule().sigmas(), table("swd_4step_64_128").sigmas());
    }

    private static List<Integer> sides(ScaleSchedule s) {
        List<Integer> out = new ArrayList<>();
        for (int[] hw : s.scales()) {
            assertEquals(hw[0], hw[1], "square preset");
            out.add(hw[0]);
        }
        return out;
    }

    @Test
    void badTablesAreClearErrors() {
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("32,48", "1.0,0.5"));
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("32,48", "1.0,0.5,0.1"));
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("32,48", "1.0,1.2,0"));
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("32,4x", "1.0,0.5,0"));
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("32,0", "1.0,0.5,0"));
        assertThrows(InvalidRequestException.class, () -> ScaleSchedule.parse("33,48", "1.0,0.5,0").requireMultipleOf(2));
        ScaleSchedule ok = ScaleSchedule.parse("8x10,10x12", "1.0,0.5,0");
        assertArrayEquals(new int[] {10, 12}, ok.scales().get(1));
        // non-square generalisation (swd.md 3.4): ratios of the square table, multiples of the patch size
        ScaleSchedule ns = SwdPreset.MEDIUM_4_STEPS_2026.schedule(96, 128, 2);
        assertEquals(List.of(48, 60, 72, 96), ns.scales().stream().map(s -> s[0]).toList());
        assertEquals(List.of(64, 80, 96, 128), ns.scales().stream().map(s -> s[1]).toList());
    }

    @Test
    void nonSquareTableRunsThroughTheSameLoop() {
        // 2 steps 8x12 → 12x16 with the real transformer: shapes follow the table, timesteps are 1000·σ
        TensorBackend be = backend();
        ScaleSchedule t = ScaleSchedule.parse("8x12,12x16", "1.0,0.7371,0");
        Tensor[] text = SwdFixtures.promptEmbeds(be, 0, false);
        TorchGenerator g = new TorchGenerator(3);
        List<long[]> shapes = new ArrayList<>();
        Tensor out = ScaleWiseSampler.sample(be, t, 1, 16, new Sd3Denoiser(swd, text[0], text[1]),
                shape -> { shapes.add(shape.clone()); return g.randn(shape); }, null);
        assertArrayEquals(new long[] {1, 16, 12, 16}, out.shape());
        assertArrayEquals(new long[] {1, 16, 8, 12}, shapes.get(0));
        assertArrayEquals(new long[] {1, 16, 12, 16}, shapes.get(1));
    }
}
