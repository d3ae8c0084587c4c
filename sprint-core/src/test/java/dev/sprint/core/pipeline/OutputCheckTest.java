package dev.sprint.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.BackendException;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.OutputType;
import dev.sprint.api.Pipeline;
import dev.sprint.core.spi.CorePipelineFactory;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import dev.sprint.core.testing.TestFolders;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * All-NaN weights used to give a black image without a word (issue 16 item 1): the decoded output is checked
 * for non-finite values — a {@link BackendException} by default, a warning with {@link OutputCheck#WARN}, no
 * check with {@link OutputCheck#OFF}.
 */
class OutputCheckTest {
    @TempDir
    Path tmp;

    private Path nanDecoder() {
        Path dir = TestFolders.copy(Golden.sana().resolve("model"), tmp.resolve("model"));
        TestFolders.editSafetensors(dir.resolve("vae/diffusion_pytorch_model.safetensors"), m -> {
            Map<String, HostTensor> out = new LinkedHashMap<>(m);
            out.put("decoder.conv_out.bias", TestFolders.filled(m.get("decoder.conv_out.bias"), Float.NaN));
            return out;
        });
        return dir;
    }

    private static Pipeline open(Path dir, OutputCheck check) {
        Pipeline.Builder b = Pipeline.builder().model(dir);
        if (check != null) b.with(check);
        return CorePipelineFactory.open(b.settings(), new ReferenceBackend());
    }

    @Test
    void nonFiniteImagesFailByDefault() {
        Path dir = nanDecoder();
        try (Pipeline p = open(dir, null)) {
            BackendException e = assertThrows(BackendException.class, () -> p.generate(TinySanaTest.SMALL));
            assertTrue(e.getMessage().contains("NaN"), e.getMessage());
            // the latents are fine: only the decoder is broken
            assertEquals(1, p.generate(TinySanaTest.SMALL.toBuilder().output(OutputType.LATENT).build()).latents().shape()[0]);
        }
        try (Pipeline p = open(dir, OutputCheck.WARN)) {
            GeneratedImage img = p.generate(TinySanaTest.SMALL).image();
            assertEquals(0, img.pixel(0, 0, 0), "NaN decodes to 0 after the clamp: black");
        }
        try (Pipeline p = open(dir, OutputCheck.OFF)) {
            assertEquals(64, p.generate(TinySanaTest.SMALL).image().width());
        }
    }
}
