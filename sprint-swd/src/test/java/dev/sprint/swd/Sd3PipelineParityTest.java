package dev.sprint.swd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.OutputType;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.lora.RandomLora;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.swd.mmdit.SwdFixtures;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.sampler.SwdConfig;
import dev.sprint.swd.sampler.SwdSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole SD3.5 pipeline — tokenizers, three text encoders, SwD adapter merge, sampler with noise from
 * the Java generator, VAE — against the reference runs: from the prompt and seed alone it must give the
 * golden final latents (1e-4, 1e-3 with CFG) and uint8 image (|d| ≤ 1 on ≤ 0.5 % of values).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class Sd3PipelineParityTest {
    private static final Path MODEL = Golden.swd().resolve("model");

    protected abstract TensorBackend backend();

    /**
     * Whether {@link #backend()} is shared with other tests (the default): the pipelines, which own their
     * backend, then stay open; a subclass that hands over a backend of its own returns false to close it.
     */
    protected boolean sharedBackend() {
        return true;
    }

    private final List<Pipeline> opened = new ArrayList<>();

    private Pipeline open(SwdSpec swd, Lora... loras) {
        Pipeline.Builder b = Pipeline.builder().model(MODEL);
        if (swd != null) b.with(swd);
        for (Lora l : loras) b.with(l);
        PipelineSettings s = b.settings();
        Pipeline p = new Sd3Family().open(ModelFolder.open(MODEL), s, backend());
        opened.add(p);
        return p;
    }

    @AfterAll
    void close() {
        if (!sharedBackend() && !opened.isEmpty()) opened.get(0).close(); // closes the shared backend once
    }

    /** The golden run's table with the adapter of the golden folder. */
    static SwdConfig goldenSwd(String name) {
        return SwdConfig.of(MODEL.resolve("swd"), goldenTable(name));
    }

    /** The golden run's table: its tiny-model scales and sigmas. */
    static ScaleSchedule goldenTable(String name) {
        JsonObject p = SwdFixtures.params(name);
        JsonArray sc = p.getAsJsonArray("tiny_scales");
        JsonArray sg = p.getAsJsonArray("sigmas");
        StringBuilder scales = new StringBuilder();
        for (int i = 0; i < sc.size(); i++) scales.append(i == 0 ? "" : ",").append(sc.get(i).getAsInt());
        StringBuilder sigmas = new StringBuilder();
        for (int i = 0; i < sg.size(); i++) sigmas.append(i == 0 ? "" : ",").append(sg.get(i).getAsString());
        return ScaleSchedule.parse(scales.toString(), sigmas.toString());
    }

    static GenerationRequest.Builder request(String name) {
        JsonObject p = SwdFixtures.params(name);
        GenerationRequest.Builder r = GenerationRequest.builder().prompt(p.getAsJsonArray("prompts").get(0).getAsString())
                .seed(p.get("seed").getAsLong()).maxSequenceLength(p.get("max_sequence_length").getAsInt())
                .guidanceScale(p.get("guidance_scale").getAsDouble());
        if (p.has("negative_prompt") && !p.get("negative_prompt").isJsonNull()) r.negativePrompt(p.get("negative_prompt").getAsString());
        if (p.has("num_inference_steps")) r.steps(p.get("num_inference_steps").getAsInt());
        return r;
    }

    private void check(String name, Pipeline pipeline, GenerationRequest.Builder req, int lastStep) {
        Map<String, HostTensor> c = SwdFixtures.load(name);
        boolean cfg = SwdFixtures.params(name).get("guidance_scale").getAsDouble() > 1;
        GenerationResult latents = pipeline.generate(req.output(OutputType.LATENT).build());
        HostTensor want = Golden.get(c, "step" + lastStep + "_latents");
        assertArrayEquals(want.shape(), latents.latents().shape(), name + " latent shape");
        SwdFixtures.assertNear(name + " final latents", latents.latents().data(), want, 0, cfg ? 1e-3 : 1e-4);
        GenerationResult image = pipeline.generate(req.output(OutputType.IMAGE).build());
        SwdFixtures.assertImage(name + " image", image.images().get(0).rgb(), Golden.get(c, "image_uint8"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"swd_2b_6step", "swd_2b_4step", "swd_4step_64_128", "swd_2b_6step_cfg"})
    void swdFromPromptAndSeed(String name) {
        SwdConfig swd = goldenSwd(name);
        check(name, open(swd), request(name), swd.schedule().steps() - 1);
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain_euler_4step", "plain_euler_4step_cfg"})
    void plainEulerFromPromptAndSeed(String name) {
        GenerationRequest.Builder r = request(name).size(128, 128);
        check(name, open(null), r, 3);
    }

    @Test
    void perImageSeedsReproduceSingleRunsInABatch() {
        // batch 2 with one seed per image: image 0 must be the golden single run (prompt p0, seed 7)
        Pipeline p = open(goldenSwd("swd_2b_6step"));
        GenerationResult r = p.generate(GenerationRequest.builder()
                .prompts(List.of("a photo of a cat", "A tiny red fox,  watercolor style! 42"))
                .seeds(List.of(7L, 9L)).maxSequenceLength(16).build());
        assertEquals(2, r.images().size());
        SwdFixtures.assertImage("batch image 0", r.images().get(0).rgb(), Golden.get(SwdFixtures.load("swd_2b_6step"), "image_uint8"));
        assertEquals("a photo of a cat", r.images().get(0).provenance().prompt());
        assertEquals("A tiny red fox,  watercolor style! 42", r.images().get(1).provenance().prompt());
    }

    @Test
    void nonSquareOutputRescalesTheTable() {
        Pipeline p = open(goldenSwd("swd_2b_4step"));
        GenerationResult r = p.generate(GenerationRequest.builder().prompt("a photo of a cat").seed(1).size(96, 128)
                .maxSequenceLength(16).output(OutputType.LATENT).build());
        assertArrayEquals(new long[] {1, 16, 16, 12}, r.latents().shape());
        GenerationResult img = p.generate(GenerationRequest.builder().prompt("a photo of a cat").seed(1).size(96, 128)
                .maxSequenceLength(16).build());
        assertEquals(96, img.images().get(0).width());
        assertEquals(128, img.images().get(0).height());
        assertTrue(img.images().get(0).provenance().extras().get("scales").contains("x"));
    }

    @Test
    void badRequestsAreClearErrors() {
        Pipeline swd = open(goldenSwd("swd_2b_4step"));
        GenerationRequest.Builder ok = GenerationRequest.builder().prompt("a cat").seed(1).maxSequenceLength(16);
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> swd.generate(ok.steps(6).build()));
        assertTrue(e.getMessage().contains("4 steps"), e.getMessage());
        assertThrows(InvalidRequestException.class, () -> swd.generate(GenerationRequest.builder().prompt("a cat")
                .negativePrompt("blurry").maxSequenceLength(16).build()));
        assertThrows(InvalidRequestException.class, () -> swd.generate(GenerationRequest.builder().prompt("a cat")
                .size(100, 128).maxSequenceLength(16).build()));
        assertThrows(InvalidRequestException.class, () -> swd.generate(GenerationRequest.builder().prompt("a cat")
                .maxSequenceLength(600).build()));
        // still usable after rejected requests
        assertEquals(1, swd.generate(GenerationRequest.builder().prompt("a cat").seed(2).maxSequenceLength(16).build()).images().size());
    }

    @Test
    void aLoraAtScaleZeroGivesTheSwdImageByteForByte(@TempDir Path dir) {
        Path file;
        try (WeightSource base = Checkpoints.open(MODEL.resolve("transformer"))) {
            file = RandomLora.of(base, List.of("transformer_blocks.0.attn.to_q", "transformer_blocks.1.ff.net.0.proj", "proj_out"),
                    4, 4.0, 11).writeDiffusers(dir);
        }
        SwdConfig swd = goldenSwd("swd_2b_4step");
        GenerationRequest req = request("swd_2b_4step").build();
        byte[] plain = open(swd).generate(req).images().get(0).rgb();
        Pipeline zero = open(swd, Lora.of(file).scale(0));
        assertArrayEquals(plain, zero.generate(req).images().get(0).rgb(), "the SwD image with a LoRA at scale 0");
        Pipeline one = open(swd, Lora.of(file).scale(1));
        GenerationResult r = one.generate(req);
        assertFalse(Arrays.equals(plain, r.images().get(0).rgb()), "a LoRA at scale 1 changes the image");
        assertEquals(file + ":1.0", r.images().get(0).provenance().extras().get("lora"));
        assertEquals(file + ":1.0", one.describe().get("lora"));
    }
}
