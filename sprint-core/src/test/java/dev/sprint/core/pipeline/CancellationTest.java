package dev.sprint.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationCancelledException;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.StepEvent;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Cancellation (issue 16 item 5): an already cancelled token or an interrupted thread stops a call before
 * any work; a cancel during text encoding is noticed inside the encoder (between layers), during decoding
 * within one decoder stage; a throwing listener stops the call as a {@link GenerationCancelledException}
 * with its exception as the cause. The pipeline stays usable afterwards.
 */
class CancellationTest extends TinySanaTest {

    /** Records the stages and steps a call reached. */
    private static class Seen implements GenerationListener {
        final List<String> events = new ArrayList<>();

        @Override
        public void onStage(String stage) {
            events.add(stage);
        }

        @Override
        public void onStep(StepEvent e) {
            events.add("step" + e.step());
        }
    }

    @Test
    void anAlreadyCancelledTokenStopsBeforeAnyWork() {
        CancellationToken t = new CancellationToken();
        t.cancel();
        Seen seen = new Seen();
        assertThrows(GenerationCancelledException.class, () -> pipeline.generate(SMALL, seen, t));
        assertEquals(List.of(), seen.events, "no stage started");
    }

    @Test
    void anInterruptedThreadStopsAndKeepsItsInterruptFlag() {
        Seen seen = new Seen();
        Thread.currentThread().interrupt();
        try {
            assertThrows(GenerationCancelledException.class, () -> pipeline.generate(SMALL, seen, null));
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is not swallowed");
        } finally {
            Thread.interrupted();
        }
        assertEquals(List.of(), seen.events);
        assertEquals(64, pipeline.generate(SMALL).image().width(), "still usable");
    }

    @Test
    void aThrowingListenerStopsTheCallWithItsExceptionAsCause() {
        IllegalStateException boom = new IllegalStateException("listener bug");
        GenerationListener bad = new GenerationListener() {
            @Override
            public void onStep(StepEvent e) {
                throw boom;
            }
        };
        GenerationCancelledException e = assertThrows(GenerationCancelledException.class, () -> pipeline.generate(SMALL, bad, null));
        assertEquals(boom, e.getCause());
        assertTrue(e.getMessage().contains("onStep"), e.getMessage());
        assertEquals(64, pipeline.generate(SMALL).image().width(), "still usable");
    }

    @Test
    void aCancelDuringTextEncodingIsNoticedInsideTheEncoder() {
        CancellationToken t = new CancellationToken();
        Seen seen = new Seen() {
            @Override
            public void onStage(String stage) {
                super.onStage(stage);
                if (stage.equals("text_encoder")) t.cancel();
            }
        };
        GenerationCancelledException e = assertThrows(GenerationCancelledException.class, () -> pipeline.generate(SMALL, seen, t));
        assertEquals(List.of("text_encoder"), seen.events);
        assertTrue(Arrays.stream(e.getStackTrace()).anyMatch(f -> f.getClassName().contains("Gemma2Model")),
                "thrown from between the Gemma layers");
    }

    @Test
    void aCancelDuringDecodingIsNoticedWithinOneDecoderStage() throws Exception {
        GenerationRequest big = SMALL.toBuilder().size(256, 256).build();
        // the decoder's stage boundaries, timed on the same input size
        long longestStage;
        ReferenceBackend be = new ReferenceBackend();
        try (AutoencoderDC vae = AutoencoderDC.load(Golden.sana().resolve("model/vae"), be); Scope s = be.newScope()) {
            Tensor z = be.zeros(1, vae.config().latentChannels(), 8, 8);
            List<Long> stamps = new ArrayList<>();
            for (int run = 0; run < 2; run++) { // the second, warm run counts
                stamps.clear();
                stamps.add(System.nanoTime());
                Cancellation.during(() -> stamps.add(System.nanoTime()), () -> vae.decode(z));
                stamps.add(System.nanoTime());
            }
            long max = 0;
            for (int i = 1; i < stamps.size(); i++) max = Math.max(max, stamps.get(i) - stamps.get(i - 1));
            longestStage = max;
            assertTrue(stamps.size() >= 8, "the decoder checks between its stages and blocks: " + stamps.size());
        }
        double decodeMs = Double.MAX_VALUE;
        for (int i = 0; i < 2; i++) decodeMs = Math.min(decodeMs, pipeline.generate(big).timingsMs().get("decode")); // warm
        double delayMs = decodeMs * 0.3;
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try {
            CancellationToken t = new CancellationToken();
            AtomicLong cancelledAt = new AtomicLong();
            GenerationListener l = new GenerationListener() {
                @Override
                public void onStage(String stage) {
                    if (stage.equals("decode")) {
                        timer.schedule(() -> {
                            cancelledAt.set(System.nanoTime());
                            t.cancel();
                        }, (long) delayMs, TimeUnit.MILLISECONDS);
                    }
                }
            };
            CompletableFuture<GenerationResult> run = CompletableFuture.supplyAsync(() -> pipeline.generate(big, l, t));
            Throwable error = assertThrows(java.util.concurrent.ExecutionException.class, run::get).getCause();
            long stoppedAt = System.nanoTime();
            assertTrue(error instanceof GenerationCancelledException, error.toString());
            double latencyMs = (stoppedAt - cancelledAt.get()) / 1e6;
            double stageMs = longestStage / 1e6;
            org.slf4j.LoggerFactory.getLogger(CancellationTest.class).info(
                    "cancel during decode: stopped {} ms after cancel; longest decoder stage {} ms; whole decode {} ms",
                    latencyMs, stageMs, decodeMs);
            assertTrue(latencyMs < stageMs * 1.5 + 20, "stopped " + latencyMs + " ms after cancel; longest decoder stage "
                    + stageMs + " ms, whole decode " + decodeMs + " ms");
            assertTrue(latencyMs < decodeMs * 0.6, "did not run the decode to its end");
        } finally {
            timer.shutdownNow();
        }
        assertEquals(64, pipeline.generate(SMALL).image().width(), "still usable");
    }
}
