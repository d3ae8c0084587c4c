package dev.sprint.core.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.pipeline.DiffusionPipeline;
import dev.sprint.core.spi.CorePipelineFactory;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA options through the whole SANA-Sprint pipeline (family selection, option checks, memory plan, load) on the
 * reference backend: an adapter at scale 0 gives the base image byte for byte, at scale 1 another image, with the
 * adapter in the provenance; the memory plan counts the fused transformer at its full size.
 */
class LoraPipelineTest {
    private static final Path MODEL = Golden.sana().resolve("model");
    private static final GenerationRequest REQUEST = GenerationRequest.builder().prompt("a red fox in the snow").seed(42).steps(2).size(64, 64)
            .resolutionBinning(false).maxSequenceLength(16)
            .build();

    private static Pipeline open(Lora... loras) {
        Pipeline.Builder b = Pipeline.builder().model(MODEL);
        for (Lora l : loras) b.with(l);
        return CorePipelineFactory.open(b.settings(), new ReferenceBackend());
    }

    private static Path adapter(Path dir) {
        try (WeightSource base = Checkpoints.open(MODEL.resolve("transformer"))) {
            return RandomLora.of(base, LoraMergedSourceTest.sanaModules(base), 4, 4.0, 31).writeDiffusers(dir);
        }
    }

    @Test
    void scaleZeroGivesTheBaseImageByteForByte(@TempDir Path dir) {
        Path file = adapter(dir);
        byte[] plain;
        long plainWeights;
        try (Pipeline p = open()) {
            plain = p.generate(REQUEST).image().rgb();
            plainWeights = ((DiffusionPipeline<?>) p).memoryPlan().weights().get("transformer");
            assertFalse(p.describe().containsKey("lora"));
        }
        try (Pipeline p = open(Lora.of(file).scale(0))) {
            assertArrayEquals(plain, p.generate(REQUEST).image().rgb());
        }
        try (Pipeline p = open(Lora.of(file).scale(1))) {
            GenerationResult r = p.generate(REQUEST);
            assertFalse(Arrays.equals(plain, r.image().rgb()), "the adapter changes the image");
            assertEquals(file + ":1.0", r.image().provenance().extras().get("lora"));
            assertEquals(file + ":1.0", p.describe().get("lora"));
            // fused weights are held at the base's size, and the plan counts them
            assertTrue(plainWeights > 0);
            assertEquals(plainWeights, ((DiffusionPipeline<?>) p).memoryPlan().weights().get("transformer"));
        }
    }

    @Test
    void twoAdaptersGiveTheImageOfTheirSum(@TempDir Path dir) throws Exception {
        // W + 0.5·d + 0.5·d = W + 1·d: two half-strength copies of one adapter fuse to the same weights as the adapter at
        // scale 1 up to float rounding, so the images agree to the goldens' tolerance
        Path file = adapter(dir);
        Path copy = java.nio.file.Files.copy(file, dir.resolve("copy.safetensors"));
        try (Pipeline one = open(Lora.of(file)); Pipeline two = open(Lora.of(file).scale(0.5), Lora.of(copy).scale(0.5))) {
            byte[] a = one.generate(REQUEST).image().rgb();
            byte[] b = two.generate(REQUEST).image().rgb();
            int off = 0;
            for (int i = 0; i < a.length; i++) {
                int d = Math.abs((a[i] & 0xff) - (b[i] & 0xff));
                assertTrue(d <= 1, "pixel value " + i + " differs by " + d);
                if (d > 0) off++;
            }
            assertTrue(off <= a.length / 1000, off + " values differ");
        }
    }

    @Test
    void anAdapterThatDoesNotFitFailsTheOpen() {
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> open(Lora.of(Golden.swd().resolve("model/swd"))));
        assertTrue(e.getMessage().contains("another model family"), e.getMessage());
    }
}
