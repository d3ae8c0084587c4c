package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import dev.sprint.core.testing.Golden;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The proof of micro-batching on the tiny SANA-Sprint model: 16 concurrent requests with distinct seeds give the
 * images of 16 serial single requests — byte-identical with batching off, within the goldens' ±2 levels with it
 * on — and batches really form, each of one shape only. Subclassed per backend.
 *
 * <p>Requests use 32 text tokens without the complex-human-instruction prefix (300 tokens by default) so the
 * text encoder does not dominate the test time; those options are part of the batch key like any other.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class BatchingParityTest {
    static final int REQUESTS = 16;

    abstract String backend();

    private Pipeline pipeline;
    private List<GenerationRequest> requests;
    private List<GeneratedImage> serial;

    @BeforeAll
    void serialReference() {
        pipeline = Pipeline.builder().model(Golden.sana().resolve("model")).backend(backend()).device("cpu").build();
        requests = new ArrayList<>();
        for (int i = 0; i < REQUESTS; i++) {
            // two shapes (3 of 4 at 64x64, 1 of 4 at 96x64) so that incompatible requests arrive interleaved
            int w = i % 4 == 3 ? 96 : 64;
            requests.add(GenerationRequest.builder().prompt("a red fox in the snow, number " + i).seed(1000 + 37L * i)
                    .size(w, 64).resolutionBinning(false).steps(2).maxSequenceLength(32).instruction(List.of()).build());
        }
        serial = new ArrayList<>();
        for (GenerationRequest r : requests) serial.add(pipeline.generate(r).image()); // each alone, one after the other
    }

    @AfterAll
    void close() {
        if (pipeline != null) pipeline.close();
    }

    /** Submits all requests at once from {@link #REQUESTS} threads and returns their results in request order. */
    private List<GenerationResult> concurrently(ImageService service) throws Exception {
        ExecutorService clients = Executors.newFixedThreadPool(REQUESTS);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<GenerationResult>> futures = new ArrayList<>();
            for (GenerationRequest r : requests) {
                futures.add(clients.submit(() -> {
                    go.await();
                    return service.generate(r);
                }));
            }
            go.countDown();
            List<GenerationResult> out = new ArrayList<>();
            for (Future<GenerationResult> f : futures) out.add(f.get());
            return out;
        } finally {
            clients.shutdownNow();
        }
    }

    @Test
    void batchingOffGivesTheSerialImagesByteForByte() throws Exception {
        RecordingPipeline rec = new RecordingPipeline(pipeline);
        try (ImageService service = ImageService.builder(rec).maxBatch(1).queueCapacity(REQUESTS).build()) {
            List<GenerationResult> got = concurrently(service);
            for (int i = 0; i < REQUESTS; i++) {
                GeneratedImage img = got.get(i).image();
                assertArrayEquals(serial.get(i).rgb(), img.rgb(), "request " + i + " differs from its serial run");
                assertEquals(requests.get(i).seed(), got.get(i).seed(), "reported seed of request " + i);
            }
            assertEquals(REQUESTS, rec.calls.size(), "batching off: one pipeline call per request");
            assertEquals(REQUESTS, service.stats().batches());
        }
    }

    @Test
    void batchingOnStaysWithinTwoLevelsAndBatchesForm() throws Exception {
        RecordingPipeline rec = new RecordingPipeline(pipeline);
        try (ImageService service = ImageService.builder(rec).maxBatch(8).batchWindow(Duration.ofMillis(500))
                .queueCapacity(REQUESTS).build()) {
            List<GenerationResult> got = concurrently(service);
            int maxDiff = 0;
            long differing = 0;
            long total = 0;
            for (int i = 0; i < REQUESTS; i++) {
                GeneratedImage img = got.get(i).image();
                byte[] want = serial.get(i).rgb();
                byte[] have = img.rgb();
                assertEquals(want.length, have.length, "request " + i + " size");
                for (int k = 0; k < want.length; k++) {
                    int d = Math.abs((want[k] & 0xFF) - (have[k] & 0xFF));
                    maxDiff = Math.max(maxDiff, d);
                    if (d != 0) differing++;
                }
                total += want.length;
                // provenance as if the request had run alone: its own seed and image index
                GeneratedImage alone = pipeline.generate(ImageService.withSeeds(requests.get(i))).image();
                assertEquals(alone.provenance(), img.provenance(), "provenance of request " + i);
                assertEquals(requests.get(i).seed(), got.get(i).seed(), "reported seed of request " + i);
            }
            int multi = 0;
            for (GenerationRequest call : rec.calls) {
                if (call.prompts().size() > 1) multi++;
                assertEquals(call.prompts().size(), call.seeds().size(), "one seed per image in a batched call");
            }
            Set<String> shapes = new HashSet<>();
            rec.calls.forEach(c -> shapes.add(c.width() + "x" + c.height()));
            System.out.printf("[%s] batching on: %d requests in %d pipeline calls (%d batched, sizes %s); %d of %d bytes differ, max |diff| %d%n",
                    backend(), REQUESTS, rec.calls.size(), multi, rec.calls.stream().map(c -> c.prompts().size()).toList(),
                    differing, total, maxDiff);
            assertTrue(maxDiff <= 2, "max |diff| " + maxDiff + " exceeds the golden tolerance of 2 levels");
            assertTrue(rec.calls.size() < REQUESTS, "no batch formed: " + rec.calls.size() + " calls");
            assertTrue(multi >= 2, "expected batches of both shapes, got " + multi + " batched call(s)");
            assertEquals(2, shapes.size(), "both shapes ran");
            assertEquals(REQUESTS, rec.calls.stream().mapToInt(c -> c.prompts().size()).sum(), "every request ran exactly once");
        }
    }
}
