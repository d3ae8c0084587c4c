package dev.sprint.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.core.spi.CorePipelineFactory;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Bounded work (issue 16 item 3): prompts, images, pixels and steps beyond the documented limits are
 * refused before any work with an {@link InvalidRequestException} that names the limit; the limits can be
 * changed with a {@link RequestLimits} option; batches above the text-encoder and decoder chunk sizes run
 * chunked and give the same images as small batches.
 */
class RequestLimitsTest extends TinySanaTest {

    private void refused(GenerationRequest r, String limit) {
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> pipeline.generate(r));
        assertTrue(e.getMessage().contains(limit), e.getMessage());
    }

    @Test
    void limitsAreCheckedBeforeWorkAndNamed() {
        refused(SMALL.toBuilder().prompts(Collections.nCopies(1000, "a cat")).build(), "maxPrompts");
        refused(SMALL.toBuilder().prompts(Collections.nCopies(65, "a cat")).build(), "64");
        refused(SMALL.toBuilder().prompts(Collections.nCopies(8, "a cat")).imagesPerPrompt(9).build(), "maxImages");
        refused(SMALL.toBuilder().imagesPerPrompt(65).build(), "64");
        refused(SMALL.toBuilder().size(4128, 64).build(), "maxSide");
        refused(SMALL.toBuilder().size(4096, 4096).imagesPerPrompt(5).build(), "maxPixelsPerRequest");
        List<Double> ts = new ArrayList<>();
        for (int i = 0; i <= 1001; i++) ts.add(1.5 * (1 - i / 1001.0));
        refused(SMALL.toBuilder().steps(1001).timesteps(ts).build(), "maxSteps");
        refused(SMALL.toBuilder().timesteps(ts).build(), "1000");
        assertEquals(64, pipeline.generate(SMALL).image().width(), "still usable");
    }

    @Test
    void limitsAreConfigurable() {
        try (Pipeline p = CorePipelineFactory.open(Pipeline.builder().model(Golden.sana().resolve("model"))
                .with(new RequestLimits(2, 2, 64, 64L * 64 * 2, 4)).settings(), new ReferenceBackend())) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> p.generate(SMALL.toBuilder().prompts(List.of("a", "b", "c")).build()));
            assertTrue(e.getMessage().contains("limit is 2"), e.getMessage());
            assertThrows(InvalidRequestException.class, () -> p.generate(SMALL.toBuilder().size(96, 32).build()));
            assertEquals(2, p.generate(SMALL.toBuilder().prompts(List.of("a", "b")).build()).images().size());
        }
        assertThrows(InvalidRequestException.class, () -> new RequestLimits(0, 1, 64, 64, 1));
    }

    @Test
    void largeBatchesRunInChunksWithTheSameImages() {
        // 18 prompts: two text-encoder chunks (16 + 2) and five decoder chunks (4 + 4 + 4 + 4 + 2)
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 18; i++) prompts.add(i % 2 == 0 ? "a red fox" : "a lighthouse");
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < 18; i++) seeds.add(i % 2 == 0 ? 5L : 7L);
        // short prompts without the instruction prefix keep the float64 reference backend fast
        GenerationRequest shortText = SMALL.toBuilder().instruction(List.of()).maxSequenceLength(16).build();
        GenerationResult big = pipeline.generate(shortText.toBuilder().prompts(prompts).seeds(seeds).build());
        GenerationResult fox = pipeline.generate(shortText.toBuilder().prompts(List.of("a red fox")).seed(5).build());
        GenerationResult lighthouse = pipeline.generate(shortText.toBuilder().prompts(List.of("a lighthouse")).seed(7).build());
        assertEquals(18, big.images().size());
        for (int i = 0; i < 18; i++) {
            byte[] want = (i % 2 == 0 ? fox : lighthouse).image().rgb();
            byte[] got = big.images().get(i).rgb();
            int max = 0;
            for (int k = 0; k < got.length; k++) max = Math.max(max, Math.abs((got[k] & 0xFF) - (want[k] & 0xFF)));
            assertTrue(max <= 1, "image " + i + " max |Δ| " + max);
        }
    }
}
