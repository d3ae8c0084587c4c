package dev.sprint.core.spi;

import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.tensor.TensorBackend;

/**
 * A family of pipelines (SANA-Sprint, SD3.5/SwD, Sana+ControlNet, ...), registered in
 * {@code META-INF/services/dev.sprint.core.spi.ModelFamily}. sprint-core resolves the model folder and
 * the backend, then asks each family in priority order whether it opens the folder.
 */
public interface ModelFamily {
    /** Short name for logs. */
    String name();

    /** Higher is asked first (a ControlNet family outranks the plain family when a ControlNet is set). */
    default int priority() {
        return 0;
    }

    /**
     * Keys of {@link PipelineSettings#extensions()} this family reads; opening a folder with any other
     * extension set (e.g. SwD settings for a SANA folder) is an error instead of being silently ignored.
     */
    default java.util.Set<String> extensionKeys() {
        return java.util.Set.of();
    }

    /** Whether this family opens this folder with these settings (usually by the pipeline class). */
    boolean accepts(ModelFolder folder, PipelineSettings settings);

    /** Loads the pipeline; the backend is owned by the returned pipeline and closed with it. */
    Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend);
}
