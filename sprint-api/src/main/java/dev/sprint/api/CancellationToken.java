package dev.sprint.api;

/**
 * Cancels a running generation. Thread-safe: call {@link #cancel()} from any thread; the generating thread
 * throws {@link GenerationCancelledException} at its next check point: before any work starts, between
 * sampler steps, and (on eager backends) between the text encoder's layers, the transformer's blocks and
 * the decoder's stages. Interrupting the generating thread has the same effect.
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
