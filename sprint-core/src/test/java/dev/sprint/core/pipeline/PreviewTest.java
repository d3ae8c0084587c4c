package dev.sprint.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PreviewEvent;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.spi.CorePipelineFactory;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Previews on the tiny SANA-Sprint pipeline: when they come, their size and content, and that they cost nothing unasked. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PreviewTest {
    private static final GenerationRequest.Builder TWO_STEPS = GenerationRequest.builder().prompt("a cat").steps(2).seed(3)
            .size(64, 32).resolutionBinning(false);

    private Pipeline withVae;
    private Pipeline plain;

    @BeforeAll
    void open() {
        withVae = CorePipelineFactory.open(Pipeline.builder().model(Golden.sana().resolve("model")).with(PreviewDecoder.vae())
                .settings(), new ReferenceBackend());
        plain = CorePipelineFactory.open(Pipeline.builder().model(Golden.sana().resolve("model")).settings(), new ReferenceBackend());
    }

    @AfterAll
    void close() {
        withVae.close();
        plain.close();
    }

    /** A listener that keeps the previews and counts the steps. */
    private static final class Recorder implements GenerationListener {
        final List<PreviewEvent> previews = new ArrayList<>();
        int steps;

        @Override
        public void onStep(dev.sprint.api.StepEvent e) {
            steps++;
        }

        @Override
        public void onPreview(PreviewEvent e) {
            previews.add(e);
        }
    }

    @Test
    void onePreviewPerStepAtTheImageSizeAndTheLastIsTheImage() {
        Recorder rec = new Recorder();
        GenerationResult r = withVae.generate(TWO_STEPS.previews(1).imagesPerPrompt(2).build(), rec, new CancellationToken());
        assertEquals(2, rec.steps);
        assertEquals(2, rec.previews.size());
        for (int i = 0; i < 2; i++) {
            PreviewEvent e = rec.previews.get(i);
            assertEquals(i, e.step());
            assertEquals(2, e.steps());
            assertEquals(2, e.images().size(), "one preview per image of the call");
            for (BufferedImage img : e.images()) {
                assertEquals(64, img.getWidth());
                assertEquals(32, img.getHeight());
            }
            assertTrue(r.timingsMs().containsKey("preview_" + i), r.timingsMs().toString());
        }
        // the last step's x0 estimate is the final latent: with the VAE as preview decoder it is the image itself
        for (int k = 0; k < 2; k++) {
            assertArrayEquals(r.images().get(k).rgb(), ImageProcessing.rgb8(rec.previews.get(1).images().get(k)));
        }
        // the first step's estimate differs from the final image (the sampler moved on)
        assertFalse(java.util.Arrays.equals(r.images().get(0).rgb(), ImageProcessing.rgb8(rec.previews.get(0).image())));
    }

    @Test
    void everyNthStepOnly() {
        Recorder rec = new Recorder();
        GenerationResult r = withVae.generate(TWO_STEPS.previews(2).build(), rec, new CancellationToken());
        assertEquals(1, rec.previews.size());
        assertEquals(1, rec.previews.get(0).step());
        assertFalse(r.timingsMs().containsKey("preview_0"));
        assertTrue(r.timingsMs().containsKey("preview_1"));
    }

    @Test
    void noPreviewWorkWithoutAListenerOrWithoutTheRequest() {
        GenerationResult unheard = withVae.generate(TWO_STEPS.previews(1).build());
        assertTrue(unheard.timingsMs().keySet().stream().noneMatch(k -> k.startsWith("preview")), unheard.timingsMs().toString());
        Recorder rec = new Recorder();
        GenerationResult unasked = withVae.generate(TWO_STEPS.previews(0).build(), rec, new CancellationToken());
        assertEquals(0, rec.previews.size());
        assertEquals(2, rec.steps);
        assertTrue(unasked.timingsMs().keySet().stream().noneMatch(k -> k.startsWith("preview")), unasked.timingsMs().toString());
        // and a pipeline that cannot preview does not object when nobody listens
        plain.generate(TWO_STEPS.previews(1).build());
    }

    @Test
    void sanaWithoutADecoderSaysWhatToConfigure() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> plain.generate(TWO_STEPS.previews(1).build(), new Recorder(), new CancellationToken()));
        assertTrue(e.getMessage().contains("PreviewDecoder.vae()"), e.getMessage());
        assertEquals("none", plain.describe().get("preview"));
        assertEquals("vae", withVae.describe().get("preview"));
    }

    @Test
    void aTinyDecoderForOtherLatentsIsRejected() {
        try (Pipeline p = CorePipelineFactory.open(Pipeline.builder().model(Golden.sana().resolve("model"))
                .with(PreviewDecoder.tiny(Golden.taesd().resolve("model"))).settings(), new ReferenceBackend())) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> p.generate(TWO_STEPS.previews(1).build(), new Recorder(), new CancellationToken()));
            assertTrue(e.getMessage().contains("16 latent channels"), e.getMessage());
        }
    }

    @Test
    void negativePreviewStepsAreInvalid() {
        assertThrows(InvalidRequestException.class, () -> GenerationRequest.builder().prompt("x").previews(-1).build());
    }
}
