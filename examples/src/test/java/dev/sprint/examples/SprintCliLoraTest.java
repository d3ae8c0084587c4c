package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.SprintException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.lora.RandomLora;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --lora SRC[:SCALE]}: parsing, and {@code ./sprint generate} with adapters on the tiny SANA-Sprint folder. */
class SprintCliLoraTest {
    private static final Path MODEL = Golden.sana().resolve("model");

    @TempDir
    Path tmp;

    @Test
    void parsesSourceAndScale() {
        assertEquals(new Lora("org/some-lora", 1), SprintCli.lora("org/some-lora"));
        assertEquals(new Lora("/loras/x.safetensors", 0.8), SprintCli.lora("/loras/x.safetensors:0.8"));
        assertEquals(new Lora("loras/dir", -1.5), SprintCli.lora("loras/dir:-1.5"));
        assertEquals(new Lora("loras/dir", 0), SprintCli.lora(" loras/dir:0 "));
        assertEquals(new Lora("loras/dir", 0.002), SprintCli.lora("loras/dir:2e-3"));
        // a colon that does not start a number is part of the path (a Windows drive letter)
        assertEquals(new Lora("C:\\loras\\x.safetensors", 1), SprintCli.lora("C:\\loras\\x.safetensors"));
        assertEquals(new Lora("C:\\loras\\x.safetensors", 0.5), SprintCli.lora("C:\\loras\\x.safetensors:0.5"));
        for (String bad : List.of("x:", ":0.5", "x:1.2.3", "  ")) {
            CliException e = assertThrows(CliException.class, () -> SprintCli.lora(bad), bad);
            assertTrue(e.getMessage().contains("--lora"), e.getMessage());
        }
    }

    private BufferedImage generate(String... extra) throws Exception {
        Path out = tmp.resolve("out.png");
        List<String> args = new ArrayList<>(List.of("generate", "--model", MODEL.toString(), "--backend", "djl", "--prompt",
                "a red fox", "--seed", "3", "--steps", "1", "--width", "64", "--height", "64", "--no-binning",
                "--max-sequence-length", "16", "--output", out.toString()));
        args.addAll(List.of(extra));
        CliRun.ok(args);
        return ImageIO.read(out.toFile());
    }

    private static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void generateWithLoras() throws Exception {
        Path file;
        try (WeightSource base = Checkpoints.open(MODEL.resolve("transformer"))) {
            file = RandomLora.of(base, List.of("transformer_blocks.0.attn1.to_q", "transformer_blocks.1.ff.conv_inverted", "proj_out"),
                    4, 4.0, 51).writeDiffusers(tmp);
        }
        int[] plain = pixels(generate());
        // two adapters, both at scale 0: the plain image
        assertEquals(Arrays.toString(plain), Arrays.toString(pixels(generate("--lora", file + ":0",
                "--lora", file + ":0"))));
        assertNotEquals(Arrays.toString(plain), Arrays.toString(pixels(generate("--lora", file.toString()))));
        // an adapter that does not exist is an error of the run (exit 1), not of the command line
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        SprintException e = assertThrows(SprintException.class, () -> SprintCli.run(new String[] {
                "generate", "--model", MODEL.toString(), "--backend", "djl", "--prompt", "x", "--lora",
                tmp.resolve("missing.safetensors") + ":0.5"}, new PrintStream(new ByteArrayOutputStream()),
                new PrintStream(err)));
        assertTrue(e.getMessage().contains("missing.safetensors") && e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void theDocumentedGoldenCommandRuns() throws Exception {
        // docs/lora.md: the SwD adapter of the tiny SD3.5 folder as an ordinary LoRA at half strength, plain Euler
        Path out = tmp.resolve("lora.png");
        Path root = Golden.dir().getParent();
        String printed = CliRun.ok(List.of("generate", "--model", root.resolve("golden/swd/model").toString(), "--lora",
                root.resolve("golden/swd/model/swd") + ":0.5", "--prompt", "a photo of a cat", "--seed", "7", "--steps", "4",
                "--max-sequence-length", "16", "--backend", "djl", "--output", out.toString()));
        BufferedImage img = ImageIO.read(out.toFile());
        assertEquals(128, img.getWidth());
        assertTrue(printed.contains(out.toString()), printed);
    }
}
