package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PreviewEvent;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.pipeline.PreviewDecoder;
import dev.sprint.core.testing.Golden;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Previews through the ImageService: requests batched into one call each get the previews of their own images. */
class ImageServicePreviewTest {
    @Test
    void batchedRequestsGetTheirOwnPreviews() throws Exception {
        try (Pipeline p = Pipeline.builder().model(Golden.sana().resolve("model")).backend("reference").defaults(TinyServer.DEFAULTS)
                .with(PreviewDecoder.vae()).build();
             ImageService service = ImageService.builder(p).maxBatch(8).batchWindow(Duration.ofMillis(500)).build()) {
            GenerationRequest base = GenerationRequest.builder().size(32, 32).steps(2).previews(1).build();
            List<PreviewEvent> a = new CopyOnWriteArrayList<>();
            List<PreviewEvent> b = new CopyOnWriteArrayList<>();
            ImageJob ja = service.submit(base.toBuilder().prompt("a red fox").seed(1).build(), Duration.ofMinutes(2), a::add);
            ImageJob jb = service.submit(base.toBuilder().prompt("a blue bird").seed(5).imagesPerPrompt(2).build(),
                    Duration.ofMinutes(2), b::add);
            GenerationResult ra = ja.get();
            GenerationResult rb = jb.get();
            assertEquals(3, ja.status().batchSize(), "one batched call of 3 images");
            assertEquals(2, a.size());
            assertEquals(2, b.size());
            for (int s = 0; s < 2; s++) {
                assertEquals(s, a.get(s).step());
                assertEquals(1, a.get(s).images().size());
                assertEquals(2, b.get(s).images().size());
            }
            // the last step's estimate is each request's own final image
            assertArrayEquals(ra.image().rgb(), ImageProcessing.rgb8(a.get(1).image()));
            for (int i = 0; i < 2; i++) assertArrayEquals(rb.images().get(i).rgb(), ImageProcessing.rgb8(b.get(1).images().get(i)));
        }
    }
}
