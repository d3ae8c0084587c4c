package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./sprint generate} on the tiny SD3.5 folder: SwD and plain Euler give the reference images. */
class SprintCliSwdTest {
    private static final Path MODEL = Golden.swd().resolve("model");

    @TempDir
    Path tmp;

    private BufferedImage generate(String... extra) throws Exception {
        Path out = tmp.resolve("out.png");
        CliRun.ok(List.of("generate", "--model", MODEL.toString(), "--backend", "djl", "--max-sequence-length", "16",
                "--output", out.toString()), extra);
        return ImageIO.read(out.toFile());
    }

    private static void assertSame(String what, BufferedImage img, String golden) {
        HostTensor ref = Golden.load(Golden.swd().resolve("cases/" + golden + ".safetensors")).get("image_uint8");
        long[] want = ref.toLongs();
        int h = (int) ref.shape()[1];
        int w = (int) ref.shape()[2];
        assertEquals(w, img.getWidth(), what + " width");
        assertEquals(h, img.getHeight(), what + " height");
        int differ = 0;
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int rgb = img.getRGB(x, y);
                int[] px = {(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255};
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs(px[c] - (int) want[(y * w + x) * 3 + c]);
                    if (d > 1) fail(what + ": pixel " + x + "," + y + " channel " + c + " differs by " + d);
                    if (d == 1) differ++;
                }
            }
        }
        assertTrue(differ <= want.length * 0.005, what + ": " + differ + " values differ by 1");
    }

    @Test
    void swdCustomTable() throws Exception {
        BufferedImage img = generate("--prompt", "a photo of a cat", "--seed", "7", "--swd-weights", MODEL.resolve("swd").toString(),
                "--scales", "4,6,8,10,12,16", "--sigmas", "1.0,0.9454,0.8959,0.7904,0.7371,0.6022,0");
        assertSame("swd 6 steps", img, "swd_2b_6step");
    }

    @Test
    void plainEulerSteps() throws Exception {
        BufferedImage img = generate("--prompt", "a photo of a cat", "--seed", "12", "--steps", "4", "--width", "128",
                "--height", "128", "--guidance", "3", "--negative-prompt", "");
        assertSame("euler 4 steps cfg 3", img, "plain_euler_4step_cfg");
    }

    @Test
    void inconsistentSwdOptionsAreUsageErrors() {
        assertThrows(CliException.class, () -> generate("--prompt", "x", "--scales", "4,8", "--swd-weights", "w"));
        assertThrows(CliException.class, () -> generate("--prompt", "x", "--scales", "4,8", "--sigmas", "1,0.5,0"));
        assertThrows(CliException.class, () -> generate("--prompt", "x", "--swd-preset", "medium-6-steps", "--scales", "4,8",
                "--sigmas", "1,0.5,0", "--swd-weights", "w"));
    }
}
