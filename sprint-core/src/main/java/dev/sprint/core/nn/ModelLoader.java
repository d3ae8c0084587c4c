package dev.sprint.core.nn;

import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The one way a model component is loaded: read {@code config.json}, open the folder's checkpoint
 * (single or sharded safetensors), build the model from the config (every tensor it takes must be in the
 * file), then require that the model took every tensor of the file; the model then owns the checkpoint. If
 * any of it fails the checkpoint is closed before the error propagates.
 */
public final class ModelLoader {
    private ModelLoader() {}

    /** A model constructor {@code (config, weights, owned source)}. */
    @FunctionalInterface
    public interface Constructor<C, M> {
        M build(C config, Weights weights, WeightSource owned);
    }

    /** Loads a component folder ({@code config.json} + safetensors). */
    public static <C, M> M load(Path dir, TensorBackend backend, Function<Config, C> config, Constructor<C, M> model) {
        C cfg = config.apply(Config.read(dir.resolve("config.json")));
        return build(cfg, Checkpoints.open(dir), backend, model);
    }

    /**
     * Loads a component folder's {@code config.json} with weights from an already opened source (e.g. the folder's
     * checkpoint with LoRA adapters fused in), which the model then owns; the source is closed if anything fails.
     */
    public static <C, M> M load(Path dir, WeightSource source, TensorBackend backend, Function<Config, C> config,
                                Constructor<C, M> model) {
        C cfg;
        try {
            cfg = config.apply(Config.read(dir.resolve("config.json")));
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
        return build(cfg, source, backend, model);
    }

    /** Builds from an already opened source (e.g. a LoRA-merged view), which the model then owns. */
    public static <C, M> M build(C config, WeightSource source, TensorBackend backend, Constructor<C, M> model) {
        Weights weights = new Weights(source, backend);
        M built;
        try {
            built = model.build(config, weights, source);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
        try {
            weights.requireAllUsed();
            return built;
        } catch (RuntimeException e) {
            if (built instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            } else {
                source.close();
            }
            throw e;
        }
    }
}
