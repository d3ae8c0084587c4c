package dev.sprint.server;

import dev.sprint.api.SprintException;

/**
 * The {@link ImageService} queue is full: the request was rejected at once, nothing was queued.
 * HTTP: 429 with {@code Retry-After}.
 */
public class QueueFullException extends SprintException {
    private final long retryAfterSeconds;

    public QueueFullException(String message, long retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** A rough estimate of when the queue has room again, at least 1 second. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
