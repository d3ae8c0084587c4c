package dev.sprint.core.nn;

import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.List;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A model built from a checkpoint: its validated config, the backend its weights live on, and the weight
 * source it owns (closed with it). Forward passes run through {@link #call}: one traced component call in
 * its own scope, so an eager backend frees the intermediates and a tracing backend records the pass.
 *
 * @param <C> the config record
 */
public abstract class Model<C> implements AutoCloseable {
    private final C config;
    private final TensorBackend backend;
    private final WeightSource source;

    /**
     * @param config the validated config
     * @param w      the weight path the model is built from (its backend is the model's)
     * @param owned  the source to close with the model, or null
     */
    protected Model(C config, Weights w, WeightSource owned) {
        this.config = config;
        this.backend = w.backend();
        this.source = owned;
    }

    public final C config() {
        return config;
    }

    public final TensorBackend backend() {
        return backend;
    }

    /** A one-input, one-output pass as the component call {@code name}. */
    protected final Tensor call(String name, Tensor input, UnaryOperator<Tensor> pass) {
        return call(name, List.of(input), in -> List.of(pass.apply(in.get(0)))).get(0);
    }

    /** A pass as the component call {@code name}; its outputs outlive the pass's scope. */
    protected final List<Tensor> call(String name, List<Tensor> inputs, Function<List<Tensor>, List<Tensor>> pass) {
        return backend.call(name, inputs, in -> {
            try (Scope s = backend.newScope()) {
                return pass.apply(in).stream().map(s::keep).toList();
            }
        });
    }

    /** Releases the weight source (unmaps the checkpoint files). */
    @Override
    public void close() {
        if (source != null) source.close();
    }
}
