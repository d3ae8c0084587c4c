package dev.sprint.api;

/**
 * Root of every exception Sprint throws. Unchecked: a caller catches this one type, or one of its
 * subclasses where it can react (bad request, missing model, backend not usable, cancelled).
 */
public class SprintException extends RuntimeException {
    public SprintException(String message) {
        super(message);
    }

    public SprintException(String message, Throwable cause) {
        super(message, cause);
    }
}
