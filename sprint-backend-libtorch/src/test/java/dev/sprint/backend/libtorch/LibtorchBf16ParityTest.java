package dev.sprint.backend.libtorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.OutputType;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.sana.SanaFamily;
import dev.sprint.core.sana.SanaSprintPipelineParityTest;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * SANA-Sprint in bfloat16 on the tiny goldens. A bf16 image cannot equal the float32 golden, and equally valid bf16
 * runs differ from each other (kernels, where a library rounds): the yardstick is the Python reference's own bf16 run
 * ({@code expected_bf16/run_info.json}: its distance from the float32 golden, per case). Sprint's bf16 image must be
 * about as close to the float32 golden as that run is: mean |Δ| at most 1.5× the reference's, PSNR at most 3 dB
 * below it. Latents stay float32 (as diffusers keeps them) while the models compute in bf16.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LibtorchBf16ParityTest {
    private final LibtorchBackend backend = LibtorchBackends.open(dev.sprint.api.Precision.BFLOAT16);
    private Pipeline pipeline;

    private Pipeline pipeline() {
        if (pipeline == null) {
            ModelFolder folder = ModelFolder.open(Golden.sana().resolve("model"));
            PipelineSettings s = Pipeline.builder().model(folder.root()).settings();
            pipeline = new SanaFamily().open(folder, s, backend);
        }
        return pipeline;
    }

    @AfterAll
    void close() {
        if (pipeline != null) pipeline.close();
    }

    private static JsonObject json(Path p) {
        try {
            return JsonParser.parseString(Files.readString(p)).getAsJsonObject();
        } catch (IOException e) {
            throw new AssertionError("cannot read " + p, e);
        }
    }

    /** The reference bf16 run's distance from the float32 golden for one case. */
    private static JsonObject referenceDistance(String name) {
        JsonObject info = json(Golden.sana().resolve("expected_bf16/run_info.json"));
        assertEquals("bfloat16", info.get("dtype").getAsString());
        return info.getAsJsonObject("cases").getAsJsonObject(name).getAsJsonObject("vs_float32_golden");
    }

    /** mean |Δ|, max |Δ| and PSNR of two uint8 images. */
    static double[] distance(byte[] got, long[] want) {
        assertEquals(want.length, got.length, "pixel count");
        double sum = 0;
        double sq = 0;
        int max = 0;
        for (int i = 0; i < got.length; i++) {
            int d = Math.abs((got[i] & 0xFF) - (int) want[i]);
            sum += d;
            sq += (double) d * d;
            max = Math.max(max, d);
        }
        double mse = sq / got.length;
        int over2 = 0;
        for (int i = 0; i < got.length; i++) if (Math.abs((got[i] & 0xFF) - (int) want[i]) > 2) over2++;
        return new double[] {sum / got.length, max, mse == 0 ? Double.POSITIVE_INFINITY : 10 * Math.log10(255.0 * 255.0 / mse),
                (double) over2 / got.length};
    }

    private void assertAsCloseAsTheReference(String name, GenerationRequest req) {
        assertAsCloseAsTheReference(name, pipeline().generate(req).image().rgb());
    }

    /** The bf16 image of golden case {@code name} against the float32 golden, judged by the reference's bf16 run. */
    static void assertAsCloseAsTheReference(String name, byte[] rgb) {
        Map<String, HostTensor> t = Golden.load(Golden.sana().resolve("cases/" + name + ".safetensors"));
        double[] d = distance(rgb, Golden.get(t, "image_uint8").toLongs());
        JsonObject ref = referenceDistance(name);
        double refMean = ref.get("mean").getAsDouble();
        double refPsnr = ref.get("psnr").getAsDouble();
        String msg = String.format("%s bf16 vs float32 golden: mean %.3f max %.0f PSNR %.2f dB >2: %.3f%%; reference bf16: mean %.3f max %d PSNR %.2f dB >2: %.3f%%",
                name, d[0], d[1], d[2], 100 * d[3], refMean, ref.get("max").getAsInt(), refPsnr, 100 * ref.get("frac_gt2").getAsDouble());
        System.out.println(msg); // the figures go into the issue note
        assertTrue(d[0] <= 1.5 * refMean, msg);
        assertTrue(d[2] >= refPsnr - 3, msg);
    }

    private static GenerationRequest t2i(String name) {
        return SanaSprintPipelineParityTest.t2iRequest(name);
    }

    @Test
    void textToImageOneStep() {
        assertAsCloseAsTheReference("pipeline_t2i_steps1", t2i("pipeline_t2i_steps1"));
    }

    @Test
    void textToImageTwoSteps() {
        assertAsCloseAsTheReference("pipeline_t2i_steps2", t2i("pipeline_t2i_steps2"));
    }

    @Test
    void textToImageFourSteps() {
        assertAsCloseAsTheReference("pipeline_t2i_steps4", t2i("pipeline_t2i_steps4"));
    }

    @Test
    void imageToImage() {
        assertAsCloseAsTheReference("pipeline_img2img", SanaSprintPipelineParityTest.img2imgRequest("pipeline_img2img"));
    }

    @Test
    void latentsStayFloat32AndTheModelsComputeBfloat16() {
        assertEquals(DType.BF16, backend.floatType());
        assertEquals(DType.F32, backend.latentType());
        GenerationResult r = pipeline().generate(t2i("pipeline_t2i_steps2").toBuilder().output(OutputType.LATENT).build());
        for (float v : r.latents().data()) assertTrue(Float.isFinite(v), "finite latents");
        assertEquals("BF16", pipeline().describe().get("dtype"));
        assertTrue(pipeline().describe().get("precision").startsWith("bfloat16"), pipeline().describe().toString());
    }
}
