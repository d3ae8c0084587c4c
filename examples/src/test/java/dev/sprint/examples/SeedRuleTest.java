package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import dev.sprint.controlnet.ControlImage;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One seed rule for every family and the CLI: without a seed, a call draws one in [0, 2³²), reports it in
 * the result and the provenance, and that seed reproduces the image.
 */
class SeedRuleTest {
    @TempDir
    Path tmp;

    private static void unseededRunIsReproducible(Pipeline p, GenerationRequest unseeded) {
        GenerationResult a = p.generate(unseeded);
        assertTrue(a.seed() >= 0 && a.seed() < (1L << 32), "seed " + a.seed() + " is in [0, 2^32)");
        assertEquals(a.seed(), a.image().provenance().seed());
        GenerationResult b = p.generate(unseeded.toBuilder().seed(a.seed()).build());
        assertArrayEquals(a.image().rgb(), b.image().rgb(), "the reported seed reproduces the image");
    }

    @Test
    void everyFamilyDrawsReportsAndReproducesItsSeed() {
        GenerationRequest small = GenerationRequest.builder().prompt("a cat").steps(1).size(64, 32).resolutionBinning(false).build();
        try (Pipeline p = Pipeline.builder().model(Golden.sana().resolve("model")).backend("djl").build()) {
            unseededRunIsReproducible(p, small);
        }
        try (Pipeline p = Pipeline.builder().model(Golden.sana().resolve("model_controlnet")).backend("djl")
                .with(ComponentSource.of(Golden.sana().resolve("model"))).build()) {
            BufferedImage control = new BufferedImage(64, 32, BufferedImage.TYPE_INT_RGB);
            unseededRunIsReproducible(p, small.toBuilder().with(ControlImage.of(control, 0.5)).build());
        }
        try (Pipeline p = Pipeline.builder().model(Golden.swd().resolve("model")).backend("djl").build()) {
            unseededRunIsReproducible(p, GenerationRequest.builder().prompt("a cat").steps(2).size(64, 64)
                    .maxSequenceLength(16).build());
        }
    }

    @Test
    void theCliPrintsTheSeedItDrewAndItReproducesTheImage() throws Exception {
        Path first = tmp.resolve("a.png");
        String printed = cli("generate", "--model", Golden.sana().resolve("model").toString(), "--backend", "djl", "--prompt",
                "a red fox", "--steps", "1", "--width", "64", "--height", "32", "--no-binning", "--output", first.toString());
        Matcher m = Pattern.compile("seed (\\d+)").matcher(printed);
        assertTrue(m.find(), printed);
        long seed = Long.parseLong(m.group(1));
        assertTrue(seed < (1L << 32), "seed " + seed);
        Path second = tmp.resolve("b.png");
        cli("generate", "--model", Golden.sana().resolve("model").toString(), "--backend", "djl", "--prompt", "a red fox",
                "--steps", "1", "--width", "64", "--height", "32", "--no-binning", "--seed", Long.toString(seed), "--output",
                second.toString());
        BufferedImage a = ImageIO.read(first.toFile());
        BufferedImage b = ImageIO.read(second.toFile());
        for (int y = 0; y < 32; y++) for (int x = 0; x < 64; x++) assertEquals(a.getRGB(x, y), b.getRGB(x, y));
    }

    private static String cli(String... args) {
        return CliRun.ok(List.of(), args);
    }
}
