package dev.sprint.core.pipeline;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.SprintException;
import java.util.function.Supplier;

/**
 * One heavy part of a pipeline (a text encoder, the transformer, the VAE, a ControlNet) as the pipeline
 * holds it: a name, the loader that builds it from the checkpoint, and the loaded model. Families create
 * every component through {@link Components#load} in one place and reach the model only through
 * {@link #get()} while a generation runs — the single point where a memory plan can decide when a model is
 * materialised and when it is released. Today components are resident: the loader runs when the pipeline
 * opens and the model lives until the pipeline closes.
 *
 * @param <M> the model type
 */
public final class Component<M extends AutoCloseable> implements AutoCloseable {
    private final String name;
    private final Supplier<M> loader;
    private M model;
    private boolean closed;

    Component(String name, Supplier<M> loader) {
        this.name = name;
        this.loader = loader;
    }

    /** Builds the model now (what {@link Components#load} calls while the pipeline opens). */
    void materialise() {
        if (model != null) return;
        M m = loader.get();
        if (m == null) throw new ModelLoadException("the loader of component '" + name + "' returned nothing");
        model = m;
    }

    /** The component's name ("text_encoder", "transformer", "vae", "controlnet", ...). */
    public String name() {
        return name;
    }

    /** The loaded model. */
    public M get() {
        if (closed) throw new SprintException("component '" + name + "' was released with its pipeline");
        materialise();
        return model;
    }

    /** Releases the model (its files and native memory). Idempotent. */
    @Override
    public void close() {
        closed = true;
        M m = model;
        model = null;
        if (m != null) {
            try {
                m.close();
            } catch (SprintException e) {
                throw e;
            } catch (Exception e) {
                throw new SprintException("closing component '" + name + "' failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
