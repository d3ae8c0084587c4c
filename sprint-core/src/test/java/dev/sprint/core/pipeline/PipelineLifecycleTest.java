package dev.sprint.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineClosedException;
import dev.sprint.api.SprintException;
import dev.sprint.api.StepEvent;
import dev.sprint.core.spi.CorePipelineFactory;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import dev.sprint.core.testing.TestFolders;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a pipeline owns and when it lets go: {@code close()} releases every file of the model folder (the
 * checkpoints' channels, the tokenizer), a family whose later component fails releases the earlier ones,
 * calls after close are {@link PipelineClosedException}s, close is idempotent and safe from a listener, and
 * null prompts are {@link InvalidRequestException}s.
 */
class PipelineLifecycleTest {
    @TempDir
    Path tmp;

    static final GenerationRequest SMALL = TinySanaTest.SMALL;

    private Path copy() {
        return TestFolders.copy(Golden.sana().resolve("model"), tmp.resolve("model"));
    }

    private static Pipeline open(Path dir) {
        return CorePipelineFactory.open(Pipeline.builder().model(dir).settings(), new ReferenceBackend());
    }

    @Test
    void closeReleasesEveryFileOfTheModelFolder() {
        Path dir = copy();
        assertEquals(0, TestFolders.openFilesUnder(dir));
        Pipeline p = open(dir);
        assertTrue(TestFolders.openFilesUnder(dir) >= 3, "the three checkpoints are open while the pipeline is");
        p.generate(SMALL);
        p.close();
        assertEquals(0, TestFolders.openFilesUnder(dir), "no file of the model folder stays open after close()");
        assertDoesNotThrow(p::close, "close is idempotent");
        assertThrows(PipelineClosedException.class, () -> p.generate(SMALL));
        assertThrows(PipelineClosedException.class, () -> p.generate("a dog"));
    }

    @Test
    void aFamilyWhoseLaterComponentFailsLeavesNothingOpen() {
        for (String broken : List.of("transformer", "vae")) {
            Path dir = TestFolders.copy(Golden.sana().resolve("model"), tmp.resolve("broken-" + broken));
            Path file = dir.resolve(broken + "/diffusion_pytorch_model.safetensors");
            TestFolders.editSafetensors(file, m -> {
                Map<String, HostTensor> out = new LinkedHashMap<>(m);
                out.remove(out.keySet().iterator().next());
                return out;
            });
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> open(dir));
            assertTrue(e.getMessage().contains(broken), e.getMessage());
            assertEquals(0, TestFolders.openFilesUnder(dir), "the components loaded before " + broken + " were released");
        }
    }

    @Test
    void closeFromAListenerStopsTheCallAndReleasesAfterIt() {
        Path dir = copy();
        Pipeline p = open(dir);
        GenerationListener closer = new GenerationListener() {
            @Override
            public void onStep(StepEvent e) {
                p.close();
            }
        };
        GenerationRequest twoSteps = SMALL.toBuilder().steps(2).build();
        assertThrows(PipelineClosedException.class, () -> p.generate(twoSteps, closer, null));
        assertEquals(0, TestFolders.openFilesUnder(dir), "released once the call unwound");
        assertThrows(PipelineClosedException.class, () -> p.generate(SMALL));
    }

    @Test
    void nullsAreInvalidRequestsNotNullPointers() {
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.builder().prompt(null));
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.builder().prompts(null));
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.builder().prompts(Arrays.asList("a", null)));
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.builder().prompt("a").seeds(Arrays.asList(1L, null)).build());
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.builder().prompt("a").timesteps(Arrays.asList(1.0, null)).build());
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.builder().with(null));
        assertThrows(InvalidRequestException.class, () -> Pipeline.builder().model((String) null));
        assertThrows(InvalidRequestException.class, () -> Pipeline.builder().with(null));
        try (Pipeline p = open(copy())) {
            assertThrows(InvalidRequestException.class, () -> p.generate((GenerationRequest) null));
            assertThrows(InvalidRequestException.class, () -> p.generate((String) null));
            assertEquals(64, p.generate(SMALL).image().width(), "still usable");
        }
    }

    @Test
    void everythingThrownIsASprintException() {
        try (Pipeline p = open(copy())) {
            SprintException e = assertThrows(SprintException.class, () -> p.generate(SMALL.toBuilder().size(4100, 64).build()));
            assertTrue(e instanceof InvalidRequestException, e.toString());
            assertThrows(SprintException.class, () -> p.generate(SMALL.toBuilder().output(dev.sprint.api.OutputType.LATENT).build())
                    .image());
        }
    }
}
