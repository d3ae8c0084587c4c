package dev.sprint.swd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GeneratedImage;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.TestFolders;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.sampler.SwdConfig;
import dev.sprint.swd.sampler.SwdPreset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The SD3 family through the public builder (ServiceLoader, backend selection) and its load-time errors. */
class Sd3FamilyTest {
    private static final Path MODEL = Golden.swd().resolve("model");

    @Test
    void publicBuilderOpensAnSd3FolderWithSwd() {
        SwdConfig swd = SwdConfig.of(MODEL.resolve("swd"), ScaleSchedule.parse("4,8,12,16", "1.0,0.9454,0.7904,0.6022,0"));
        try (Pipeline p = Pipeline.builder().model(MODEL).backend("djl").with(swd).maxSequenceLength(16).seed(8).build()) {
            assertTrue(p.describe().get("sampler").startsWith("swd"), p.describe().toString());
            GeneratedImage img = p.generate("a photo of a cat");
            assertEquals(128, img.width());
            assertEquals("swd", img.provenance().extras().get("sampler"));
        }
    }

    @Test
    void swdOnASanaFolderIsRejected() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> Pipeline.builder()
                .model(Golden.sana().resolve("model")).backend("djl").with(SwdPreset.MEDIUM_6_STEPS).build());
        assertTrue(e.getMessage().contains("StableDiffusion3Pipeline"), e.getMessage());
    }

    @Test
    void tableNotDivisibleByThePatchIsRejected() {
        SwdConfig odd = SwdConfig.of(MODEL.resolve("swd"), ScaleSchedule.parse("5,8", "1.0,0.5,0"));
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> Pipeline.builder().model(MODEL).backend("djl").with(odd).build());
        assertTrue(e.getMessage().contains("patch"), e.getMessage());
    }

    @Test
    void missingAdapterIsAClearError(@TempDir Path empty) {
        SwdConfig none = SwdConfig.of(empty, SwdPreset.MEDIUM_4_STEPS_2026.schedule());
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> Pipeline.builder().model(MODEL).backend("djl").with(none).build());
        assertTrue(e.getMessage().contains("adapter_config.json"), e.getMessage());
    }

    @Test
    void adapterOfAnotherBaseIsAClearError(@TempDir Path tmp) throws Exception {
        // the golden adapter with rank 4 declared as 8: shapes no longer match the base model
        Path a = tmp.resolve("swd");
        Files.createDirectories(a);
        Files.copy(MODEL.resolve("swd/adapter_model.safetensors"), a.resolve("adapter_model.safetensors"));
        String cfg = Files.readString(MODEL.resolve("swd/adapter_config.json")).replaceFirst("\"r\": 4", "\"r\": 8");
        Files.writeString(a.resolve("adapter_config.json"), cfg);
        RuntimeException e = assertThrows(RuntimeException.class, () -> Pipeline.builder().model(MODEL).backend("djl")
                .with(SwdConfig.of(a, SwdPreset.MEDIUM_4_STEPS_2026.schedule())).build());
        assertTrue(e instanceof ModelLoadException || e instanceof InvalidRequestException, e.toString());
    }

    @Test
    void aLaterComponentThatFailsReleasesTheEarlierOnes(@TempDir Path tmp) {
        // transformer and VAE load first; the T5 checkpoint lacks a tensor
        Path dir = TestFolders.copy(MODEL, tmp.resolve("model"));
        TestFolders.editSafetensors(dir.resolve("text_encoder_3/model.safetensors"), m -> {
            java.util.Map<String, dev.sprint.core.tensor.HostTensor> out = new java.util.LinkedHashMap<>(m);
            out.remove("encoder.final_layer_norm.weight");
            return out;
        });
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> Pipeline.builder().model(dir).backend("djl").build());
        assertTrue(e.getMessage().contains("encoder.final_layer_norm.weight"), e.getMessage());
        assertEquals(0, TestFolders.openFilesUnder(dir), "transformer, VAE, CLIP and tokenizers were released");
    }

    @Test
    void closeReleasesEveryFile(@TempDir Path tmp) {
        Path dir = TestFolders.copy(MODEL, tmp.resolve("model"));
        Pipeline p = Pipeline.builder().model(dir).backend("djl").maxSequenceLength(16).build();
        assertTrue(TestFolders.openFilesUnder(dir) > 0);
        p.close();
        assertEquals(0, TestFolders.openFilesUnder(dir));
        assertThrows(dev.sprint.api.PipelineClosedException.class, () -> p.generate("a cat"));
    }

    @Test
    void presetNamesParse() {
        assertEquals(SwdPreset.MEDIUM_4_STEPS_2025, SwdPreset.parse("medium-4-steps-2025"));
        assertEquals("yresearch/swd-medium-6-steps", SwdPreset.MEDIUM_6_STEPS.weights());
        assertThrows(InvalidRequestException.class, () -> SwdPreset.parse("tiny"));
    }
}
