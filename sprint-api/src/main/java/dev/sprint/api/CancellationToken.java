package dev.sprint.api;

/**
 * Cancels a running generation between sampler steps. Thread-safe: call {@link #cancel()} from any
 * thread; the generating thread throws {@link GenerationCancelledException} at the next step boundary.
 */
public final class CancellationToken {
    private volatile boolean cancelled;

    public void cancel() {
        cancelled = true;
    }

    public boolean isCancelled() {
        return cancelled;
    }

    /** Throws {@link GenerationCancelledException} if {@link #cancel()} was called. */
    public void throwIfCancelled() {
        if (cancelled) {
            throw new GenerationCancelledException("generation cancelled");
        }
    }
}
