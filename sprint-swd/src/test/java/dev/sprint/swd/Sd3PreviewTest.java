package dev.sprint.swd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PreviewEvent;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.pipeline.PreviewDecoder;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.sampler.SwdConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SD3/SwD previews: the published projection by default (one pixel per latent cell, growing with SwD's scales), a tiny decoder, the VAE. */
class Sd3PreviewTest {
    private static final Path MODEL = Golden.swd().resolve("model");
    private static final SwdConfig SWD = SwdConfig.of(MODEL.resolve("swd"), ScaleSchedule.parse("4,8,12,16", "1.0,0.9454,0.7904,0.6022,0"));

    private static Pipeline open(Pipeline.Builder b) {
        return new Sd3Family().open(ModelFolder.open(MODEL), b.model(MODEL).maxSequenceLength(16).settings(), new ReferenceBackend());
    }

    private static List<PreviewEvent> previews(Pipeline p, GenerationRequest r, GenerationResult[] out) {
        List<PreviewEvent> got = new ArrayList<>();
        out[0] = p.generate(r, new GenerationListener() {
            @Override
            public void onPreview(PreviewEvent e) {
                got.add(e);
            }
        }, new CancellationToken());
        return got;
    }

    @Test
    void swdProjectionPreviewsGrowWithTheScales() {
        try (Pipeline p = open(Pipeline.builder().with(SWD))) {
            assertTrue(p.describe().get("preview").startsWith("projection (Stability-AI/sd3.5"), p.describe().toString());
            GenerationResult[] r = new GenerationResult[1];
            List<PreviewEvent> got = previews(p, GenerationRequest.builder().prompt("a cat").seed(5).previews(1).build(), r);
            assertEquals(4, got.size());
            int[] sides = {4, 8, 12, 16}; // latent cells per side at each step's scale
            for (int i = 0; i < 4; i++) {
                assertEquals(i, got.get(i).step());
                assertEquals(sides[i], got.get(i).image().getWidth());
                assertEquals(sides[i], got.get(i).image().getHeight());
            }
            assertEquals(128, r[0].image().width());
        }
    }

    @Test
    void tinyDecoderPreviewsAtImageSize() {
        try (Pipeline p = open(Pipeline.builder().with(SWD).with(PreviewDecoder.tiny(Golden.taesd().resolve("model"))))) {
            GenerationResult[] r = new GenerationResult[1];
            List<PreviewEvent> got = previews(p, GenerationRequest.builder().prompt("a cat").seed(5).previews(2).build(), r);
            assertEquals(2, got.size());
            assertEquals(1, got.get(0).step());
            assertEquals(64, got.get(0).image().getWidth()); // 8 latent cells × the tiny decoder's 8
            assertEquals(128, got.get(1).image().getWidth());
        }
    }

    @Test
    void eulerVaePreviewOfTheLastStepIsTheImage() {
        try (Pipeline p = open(Pipeline.builder().with(PreviewDecoder.vae()))) {
            GenerationResult[] r = new GenerationResult[1];
            List<PreviewEvent> got = previews(p, GenerationRequest.builder().prompt("a cat").seed(5).steps(2).size(64, 64)
                    .previews(1).build(), r);
            assertEquals(2, got.size());
            assertEquals(64, got.get(1).image().getWidth());
            assertArrayEquals(r[0].image().rgb(), ImageProcessing.rgb8(got.get(1).image()));
        }
    }
}
