package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./sprint generate --previews N [--preview-decoder D]} on the tiny SD3.5 folder with SwD. */
class SprintCliPreviewTest {
    private static final Path MODEL = Golden.swd().resolve("model");

    @TempDir
    Path tmp;

    private String generate(String... extra) {
        return CliRun.ok(List.of("generate", "--model", MODEL.toString(), "--backend", "djl", "--max-sequence-length", "16",
                "--prompt", "a photo of a cat", "--seed", "7", "--swd-weights", MODEL.resolve("swd").toString(),
                "--scales", "4,8,12,16", "--sigmas", "1.0,0.9454,0.7904,0.6022,0", "--output", tmp.resolve("out.png").toString()), extra);
    }

    @Test
    void projectionPreviewsEveryOtherStep() throws Exception {
        String out = generate("--previews", "2");
        assertTrue(out.contains("out-step2.png  preview of step 2/4"), out);
        BufferedImage step2 = ImageIO.read(tmp.resolve("out-step2.png").toFile());
        assertEquals(8, step2.getWidth(), "one pixel per latent cell at step 2's scale");
        assertEquals(16, ImageIO.read(tmp.resolve("out-step4.png").toFile()).getWidth());
        assertTrue(!tmp.resolve("out-step1.png").toFile().exists());
    }

    @Test
    void tinyDecoderPreviews() throws Exception {
        generate("--previews", "4", "--preview-decoder", Golden.taesd().resolve("model").toString());
        assertEquals(128, ImageIO.read(tmp.resolve("out-step4.png").toFile()).getWidth());
    }
}
