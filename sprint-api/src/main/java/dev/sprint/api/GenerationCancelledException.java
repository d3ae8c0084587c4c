package dev.sprint.api;

/**
 * {@code generate} stopped early: its {@link CancellationToken} was cancelled, the generating thread was
 * interrupted, or the {@link GenerationListener} threw (then the listener's exception is the cause).
 */
public class GenerationCancelledException extends SprintException {
    public GenerationCancelledException(String message) {
        super(message);
    }

    public GenerationCancelledException(String message, Throwable cause) {
        super(message, cause);
    }
}
