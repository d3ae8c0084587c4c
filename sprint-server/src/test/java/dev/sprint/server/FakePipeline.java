package dev.sprint.server;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.Provenance;
import dev.sprint.api.StepEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A pipeline double for the service's scheduling tests: each call waits for a permit (so a test decides when a
 * batch may finish), runs its steps checking the cancellation token, and returns 2x2 images whose first byte is
 * the image's seed, so a test sees which image went where. A prompt containing "BAD" is rejected as the real
 * pipelines reject invalid requests; "BOOM" throws a raw runtime exception.
 */
final class FakePipeline implements Pipeline {
    final Semaphore permits = new Semaphore(0);
    final List<GenerationRequest> calls = new CopyOnWriteArrayList<>();
    final List<GenerationRequest> cancelled = new CopyOnWriteArrayList<>();
    volatile boolean gated = true;
    volatile long stepMillis = 5;

    /** Lets {@code n} calls finish. */
    void release(int n) {
        permits.release(n);
    }

    /** Stops gating: every call runs at once from now on. */
    void open() {
        gated = false;
        permits.release(1000);
    }

    @Override
    public GenerationResult generate(GenerationRequest r, GenerationListener listener, CancellationToken cancel) {
        calls.add(r);
        for (String p : r.prompts()) {
            if (p.contains("BAD")) throw new InvalidRequestException("prompt '" + p + "' is rejected by the fake pipeline");
            if (p.contains("BOOM")) throw new IllegalStateException("raw failure");
        }
        listener.onStage("text_encoder");
        int steps = r.steps() == null ? 2 : r.steps();
        try {
            for (int i = 0; i < steps; i++) {
                Thread.sleep(stepMillis);
                listener.onStep(new StepEvent(i, steps, 1.0, stepMillis));
                if (cancel.isCancelled()) {
                    cancelled.add(r);
                    cancel.throwIfCancelled();
                }
            }
            while (gated && !permits.tryAcquire(5, TimeUnit.MILLISECONDS)) {
                if (cancel.isCancelled()) {
                    cancelled.add(r);
                    cancel.throwIfCancelled();
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        int n = r.prompts().size() * r.imagesPerPrompt();
        List<GeneratedImage> images = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long seed = r.seeds() != null ? r.seeds().get(i) : r.seed();
            byte[] rgb = new byte[2 * 2 * 3];
            rgb[0] = (byte) seed;
            Map<String, String> extras = new LinkedHashMap<>();
            extras.put("image_index", Integer.toString(i));
            extras.put("image_seed", Long.toString(seed));
            images.add(new GeneratedImage(2, 2, rgb, new Provenance("fake", "FakePipeline", "none", r.prompts().get(i / r.imagesPerPrompt()),
                    r.seed(), steps, 2, 2, extras)));
        }
        return new GenerationResult(images, null, r.seed(), Map.of("total", 1.0));
    }

    @Override
    public Map<String, String> describe() {
        return Map.of("model", "fake", "pipeline", "FakePipeline", "backend", "none", "device", "cpu");
    }

    @Override
    public void close() {}
}
