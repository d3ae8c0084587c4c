package dev.sprint.server;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationCancelledException;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PreviewEvent;
import dev.sprint.api.StepEvent;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real pipeline (recording its calls) whose steps take at least {@code stepMillis} when the prompt contains "slow" (the listener
 * waits after each step), counting the steps done and the calls that ended cancelled: what a test needs to see
 * that a request stopped within one step.
 */
final class SlowSteps extends RecordingPipeline {
    final long stepMillis;
    final AtomicInteger steps = new AtomicInteger();
    final AtomicInteger cancelled = new AtomicInteger();

    SlowSteps(Pipeline inner, long stepMillis) {
        super(inner);
        this.stepMillis = stepMillis;
    }

    @Override
    public GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
        if (request.prompts().stream().noneMatch(p -> p.contains("slow"))) return super.generate(request, listener, cancel);
        GenerationListener slow = new GenerationListener() {
            @Override
            public void onStage(String stage) {
                listener.onStage(stage);
            }

            @Override
            public void onPreview(PreviewEvent e) {
                listener.onPreview(e);
            }

            @Override
            public void onStep(StepEvent e) {
                steps.incrementAndGet();
                listener.onStep(e);
                try {
                    Thread.sleep(stepMillis);
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try {
            return super.generate(request, slow, cancel);
        } catch (GenerationCancelledException e) {
            cancelled.incrementAndGet();
            throw e;
        }
    }
}
