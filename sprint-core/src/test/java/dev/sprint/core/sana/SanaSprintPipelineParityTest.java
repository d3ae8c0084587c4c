package dev.sprint.core.sana;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.OutputType;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Full SANA-Sprint pipelines against diffusers (golden pipeline_t2i_steps{1,2,4}, pipeline_img2img): same
 * seed, prompt and options give the same final latents (1e-4) and the same uint8 image (|Δ| ≤ 1 on ≥ 99.9 %
 * of pixels, ≤ 2 everywhere). Noise comes from the Java generator, so this also checks seed parity.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SanaSprintPipelineParityTest {
    protected abstract TensorBackend backend();

    private Pipeline pipeline;

    protected Pipeline pipeline() {
        if (pipeline == null) {
            ModelFolder folder = ModelFolder.open(Golden.sana().resolve("model"));
            PipelineSettings s = Pipeline.builder().model(folder.root()).settings();
            pipeline = new SanaFamily().open(folder, s, backend());
        }
        return pipeline;
    }

    /**
     * Whether {@link #backend()} is shared with other tests (the default): the pipeline, which owns its backend,
     * is then left open; a subclass that hands over a backend of its own returns false to close it.
     */
    protected boolean sharedBackend() {
        return true;
    }

    @AfterAll
    void close() {
        if (pipeline != null && !sharedBackend()) pipeline.close();
    }

    public static JsonObject caseInfo(String name) {
        try {
            JsonObject all = JsonParser.parseString(Files.readString(Golden.sana().resolve("cases.json"))).getAsJsonObject();
            for (var c : all.getAsJsonArray("cases")) {
                if (c.getAsJsonObject().get("name").getAsString().equals(name)) return c.getAsJsonObject();
            }
        } catch (java.io.IOException e) {
            fail(e);
        }
        fail("no case " + name);
        return null;
    }

    /** uint8 NHWC comparison with the goldens' image tolerance. */
    static void assertImage(String what, GeneratedImage img, HostTensor ref, int index) {
        long[] s = ref.shape();
        int h = (int) s[s.length - 3];
        int w = (int) s[s.length - 2];
        assertEquals(w, img.width(), what + " width");
        assertEquals(h, img.height(), what + " height");
        Golden.assertImage(what, img.rgb(), ref.toLongs(), index * h * w * 3);
    }

    /** The request of text-to-image golden case {@code name}: its prompt, steps, seed and exact size. */
    public static GenerationRequest t2iRequest(String name) {
        JsonObject c = caseInfo(name);
        return GenerationRequest.builder()
                .prompt(c.get("prompt").getAsString())
                .steps(c.get("num_inference_steps").getAsInt())
                .seed(c.get("generator_seed").getAsLong())
                .size(c.get("width").getAsInt(), c.get("height").getAsInt())
                .resolutionBinning(false)
                .build();
    }

    private void t2i(String name) {
        Map<String, HostTensor> t = Golden.load(Golden.sana().resolve("cases/" + name + ".safetensors"));
        GenerationRequest req = t2iRequest(name);
        GenerationResult latents = pipeline().generate(req.toBuilder().output(OutputType.LATENT).build());
        HostTensor decodeIn = Golden.get(t, "vae_decode_input");
        float[] expected = decodeIn.toFloats();
        for (int i = 0; i < expected.length; i++) expected[i] *= 0.41407f; // decode input = latents / scaling_factor
        Golden.assertClose(name + " final latents", latents.latents().data(), HostTensor.ofFloats(expected, decodeIn.shape()), 1e-4);
        GenerationResult img = pipeline().generate(req);
        assertImage(name, img.image(), Golden.get(t, "image_uint8"), 0);
    }

    @Test
    void textToImageOneStep() {
        t2i("pipeline_t2i_steps1");
    }

    @Test
    void textToImageTwoSteps() {
        t2i("pipeline_t2i_steps2");
    }

    @Test
    void textToImageFourSteps() {
        t2i("pipeline_t2i_steps4");
    }

    /** The request of img2img golden case {@code name}: its prompt, steps, seed, input image (at its size) and strength. */
    public static GenerationRequest img2imgRequest(String name) {
        JsonObject c = caseInfo(name);
        HostTensor init = Golden.get(Golden.load(Golden.sana().resolve("cases/" + name + ".safetensors")), "init_image_uint8");
        return GenerationRequest.builder()
                .prompt(c.get("prompt").getAsString())
                .steps(c.get("num_inference_steps").getAsInt())
                .seed(c.get("generator_seed").getAsLong())
                .size((int) init.shape()[1], (int) init.shape()[0])
                .resolutionBinning(false)
                .image(Golden.image(init))
                .strength(c.get("strength").getAsDouble())
                .build();
    }

    @Test
    void imageToImage() {
        String name = "pipeline_img2img";
        Map<String, HostTensor> t = Golden.load(Golden.sana().resolve("cases/" + name + ".safetensors"));
        GenerationRequest req = img2imgRequest(name);
        GenerationResult img = pipeline().generate(req);
        assertImage(name, img.image(), Golden.get(t, "image_uint8"), 0);
    }

    @Test
    void badRequestsAreClearErrorsAndThePipelineStaysUsable() {
        Pipeline p = pipeline();
        GenerationRequest ok = GenerationRequest.builder().prompt("a cat").steps(1).seed(1).size(64, 32).resolutionBinning(false).build();
        assertThrows(InvalidRequestException.class, () -> p.generate(ok.toBuilder().size(100, 64).build()));
        assertThrows(InvalidRequestException.class, () -> p.generate(ok.toBuilder().steps(5).build()));
        assertThrows(InvalidRequestException.class, () -> p.generate(ok.toBuilder().steps(0).build()));
        assertThrows(InvalidRequestException.class, () -> p.generate(ok.toBuilder().timesteps(List.of(1.0, 1.2, 0.0)).build()));
        assertThrows(InvalidRequestException.class, () -> p.generate(ok.toBuilder().strength(1.5).image(new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB)).build()));
        assertThrows(InvalidRequestException.class, () -> p.generate(ok.toBuilder().strength(0).image(new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB)).build()));
        assertThrows(InvalidRequestException.class, () -> p.generate(ok.toBuilder().prompts(List.of()).build()));
        assertThrows(InvalidRequestException.class, () -> p.generate(ok.toBuilder().imagesPerPrompt(0).build()));
        GenerationResult r = p.generate(ok);
        assertEquals(64, r.image().width());
        assertEquals(32, r.image().height());
    }

    @Test
    void cancellationStopsBetweenStepsAndListenerSeesEachStep() {
        GenerationRequest r = GenerationRequest.builder().prompt("a cat").steps(4).seed(3).size(64, 32)
                .resolutionBinning(false).build();
        dev.sprint.api.CancellationToken cancel = new dev.sprint.api.CancellationToken();
        List<dev.sprint.api.StepEvent> seen = new java.util.ArrayList<>();
        assertThrows(dev.sprint.api.GenerationCancelledException.class, () -> pipeline().generate(r, new dev.sprint.api.GenerationListener() {
            @Override
            public void onStep(dev.sprint.api.StepEvent e) {
                seen.add(e);
                if (e.step() == 1) cancel.cancel();
            }
        }, cancel));
        assertEquals(2, seen.size(), "cancelled after the second step");
        assertEquals(4, seen.get(0).steps());
        assertEquals(1.5708f, (float) seen.get(0).timestep(), 1e-6f);
        // still usable afterwards
        assertEquals(64, pipeline().generate(r).image().width());
    }

    @Test
    void perImageSeedsReproduceSingleRuns() {
        // diffusers with a list of generators: image i draws all its noise from generator i, so it equals a
        // one-image run with that seed (up to batched-arithmetic rounding).
        GenerationRequest one = GenerationRequest.builder().prompt("a red fox").steps(2).seed(11).size(64, 32)
                .resolutionBinning(false).build();
        GenerationResult batch = pipeline().generate(one.toBuilder().prompts(List.of("a red fox", "a red fox"))
                .seeds(List.of(5L, 11L)).build());
        GenerationResult single = pipeline().generate(one);
        byte[] a = batch.images().get(1).rgb();
        byte[] b = single.image().rgb();
        int maxDiff = 0;
        for (int i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
        assertTrue(maxDiff <= 1, "max |Δ| " + maxDiff);
        byte[] c = batch.images().get(0).rgb();
        int differ = 0;
        for (int i = 0; i < c.length; i++) if (c[i] != b[i]) differ++;
        assertTrue(differ > c.length / 10, "a different seed must give a different image");
    }
}
