package dev.sprint.api.spi;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Base of the image models of Sprint's framework integrations: the pipeline they generate with, owned (loaded
 * by their {@link IntegrationBuilder}, closed with the model) or shared (left open), and the closed state.
 */
public abstract class IntegrationModel implements AutoCloseable {
    private final Pipeline pipeline;
    private final boolean ownsPipeline;
    private final AtomicBoolean closed = new AtomicBoolean();

    protected IntegrationModel(Pipeline pipeline, boolean ownsPipeline) {
        this.pipeline = pipeline;
        this.ownsPipeline = ownsPipeline;
    }

    /** The pipeline for a call; an {@link InvalidRequestException} once the model is closed. */
    protected final Pipeline callPipeline() {
        if (closed.get()) throw new InvalidRequestException("this " + getClass().getSimpleName() + " is closed");
        return pipeline;
    }

    /** The pipeline this model generates with (shared or owned), closed or not. */
    protected final Pipeline sharedOrOwnedPipeline() {
        return pipeline;
    }

    /** Closes the pipeline if this model built it; a pipeline given to the builder's {@code pipeline(existing)} stays open. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsPipeline) pipeline.close();
    }
}
