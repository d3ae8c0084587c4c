package dev.sprint.api;

/**
 * The pipeline was closed: {@code generate} after {@link Pipeline#close()}, or a generation that was still
 * running (or waiting for the pipeline) when {@code close()} was called.
 */
public class PipelineClosedException extends SprintException {
    public PipelineClosedException(String message) {
        super(message);
    }

    public PipelineClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
