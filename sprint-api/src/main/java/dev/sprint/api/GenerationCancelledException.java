package dev.sprint.api;

/** Thrown by {@code generate} when its {@link CancellationToken} was cancelled between steps. */
public class GenerationCancelledException extends SprintException {
    public GenerationCancelledException(String message) {
        super(message);
    }
}
