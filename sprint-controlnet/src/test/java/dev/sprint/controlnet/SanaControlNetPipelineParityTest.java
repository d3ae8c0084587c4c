package dev.sprint.controlnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The whole SanaControlNetPipeline against diffusers (golden pipeline_controlnet: CFG 4.5 with an empty
 * negative prompt, 2 flow-matching Euler steps, conditioning scale 0.7): |Δ| ≤ 1 on ≥ 99.9 % of uint8
 * values and ≤ 2 everywhere. Also: conditioning scale 0 gives exactly the image without a control image.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SanaControlNetPipelineParityTest {
    /** A fresh backend; each pipeline owns (and closes) the one it gets. */
    protected abstract TensorBackend newBackend();

    private Pipeline pipeline;

    private Pipeline openAt(java.nio.file.Path root) {
        ModelFolder folder = ModelFolder.open(root);
        PipelineSettings s = Pipeline.builder().model(folder.root())
                .with(ComponentSource.of(Golden.sana().resolve("model"))).settings();
        return new SanaControlNetFamily().open(folder, s, newBackend());
    }

    private Pipeline pipeline() {
        if (pipeline == null) pipeline = openAt(Golden.sana().resolve("model_controlnet"));
        return pipeline;
    }

    @AfterAll
    void close() {
        if (pipeline != null) pipeline.close();
    }

    private static BufferedImage image(HostTensor hwc) {
        return Golden.image(hwc);
    }

    /** The golden case's request (diffusers' call that made {@code pipeline_controlnet}); other backends' tests reuse it. */
    public static GenerationRequest request(Map<String, HostTensor> c) {
        return GenerationRequest.builder().prompt("a lighthouse on a cliff").negativePrompt("").steps(2).guidanceScale(4.5)
                .seed(20250701L).size(160, 96).resolutionBinning(false)
                .with(ControlImage.of(image(Golden.get(c, "control_image_uint8")), 0.7)).build();
    }

    @Test
    void fullPipelineImage() {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/pipeline_controlnet.safetensors"));
        byte[] got = pipeline().generate(request(c)).image().rgb();
        Golden.assertImage("ControlNet pipeline image", got, Golden.get(c, "image_uint8"));
    }

    @Test
    void scaleZeroReproducesThePlainPipeline(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        // the same base transformer as a plain SanaPipeline folder (no ControlNet at all)
        java.nio.file.Path cn = Golden.sana().resolve("model_controlnet");
        java.nio.file.Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"SanaPipeline\"}");
        java.nio.file.Files.createSymbolicLink(dir.resolve("transformer"), cn.resolve("transformer"));
        java.nio.file.Files.createSymbolicLink(dir.resolve("scheduler"), cn.resolve("scheduler"));
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/pipeline_controlnet.safetensors"));
        GenerationRequest withZero = request(c).toBuilder()
                .with(ControlImage.of(image(Golden.get(c, "control_image_uint8")), 0.0)).build();
        GenerationRequest plain = GenerationRequest.builder().prompt("a lighthouse on a cliff").negativePrompt("").steps(2)
                .guidanceScale(4.5).seed(20250701L).size(160, 96).resolutionBinning(false).build();
        try (Pipeline base = openAt(dir)) {
            assertArrayEquals(base.generate(plain).image().rgb(), pipeline().generate(withZero).image().rgb());
        }
    }
}
