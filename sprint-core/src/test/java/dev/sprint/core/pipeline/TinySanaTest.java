package dev.sprint.core.pipeline;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.Pipeline;
import dev.sprint.core.spi.CorePipelineFactory;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** Base of tests that share one tiny SANA-Sprint pipeline on the reference backend. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class TinySanaTest {
    /** One 64×32 image in one step. */
    static final GenerationRequest SMALL = GenerationRequest.builder().prompt("a cat").steps(1).seed(1).size(64, 32)
            .resolutionBinning(false).build();

    Pipeline pipeline;

    @BeforeAll
    void openPipeline() {
        pipeline = CorePipelineFactory.open(Pipeline.builder().model(Golden.sana().resolve("model")).settings(), new ReferenceBackend());
    }

    @AfterAll
    void closePipeline() {
        pipeline.close();
    }
}
