package dev.sprint.backend.libtorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.MemoryMode;
import dev.sprint.api.Pipeline;
import dev.sprint.api.Precision;
import dev.sprint.core.spi.CorePipelineFactory;
import dev.sprint.core.pipeline.DiffusionPipeline;
import dev.sprint.core.plan.MemoryPlan;
import dev.sprint.core.testing.Golden;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.sampler.SwdConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * SD3's transformer blocks stream in a low-memory plan (how SD3.5-Large fits 24 GB): built per step from the mapped
 * checkpoint, with the SwD adapter re-merged on the backend each time, they give the resident images byte for byte.
 */
class LibtorchSd3StreamedTest {
    private static final Path MODEL = Golden.swd().resolve("model");

    private static Pipeline open(MemoryMode mode) {
        SwdConfig swd = SwdConfig.of(MODEL.resolve("swd"), ScaleSchedule.parse("4,6,8", "1.0,0.75,0.5,0.0"));
        return CorePipelineFactory.open(Pipeline.builder().model(MODEL).with(swd).memory(mode).settings(),
                LibtorchBackends.open(Precision.BFLOAT16));
    }

    private static MemoryPlan plan(Pipeline p) {
        return ((DiffusionPipeline<?>) p).memoryPlan();
    }

    @Test
    void streamedTransformerBlocksGiveTheResidentImage() {
        GenerationRequest req = GenerationRequest.builder().prompt("a red fox in the snow").seed(7).maxSequenceLength(16).build();
        byte[] resident;
        try (Pipeline p = open(MemoryMode.RESIDENT)) {
            assertFalse(plan(p).streams("transformer"));
            resident = p.generate(req).image().rgb();
        }
        try (Pipeline p = open(MemoryMode.LOW)) {
            assertEquals(MemoryMode.LOW, plan(p).mode());
            assertTrue(plan(p).streams("transformer"), "LOW streams the transformer's joint blocks");
            assertTrue(plan(p).residentBytes("transformer") < plan(p).weights().get("transformer"));
            assertArrayEquals(resident, p.generate(req).image().rgb());
        }
    }
}
