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
     * The {@link dev.sprint.api.PipelineOption} types this family reads (besides the ones every pipeline
     * reads: {@link dev.sprint.core.pipeline.RequestLimits}, {@link dev.sprint.core.pipeline.OutputCheck});
     * opening a folder with any other option set (e.g. SwD settings for a SANA folder) is an error instead of
     * being silently ignored.
     */
    default java.util.Set<Class<? extends dev.sprint.api.PipelineOption>> pipelineOptions() {
        return java.util.Set.of();
    }

    /** Whether this family opens this folder with these settings (usually by the pipeline class). */
    boolean accepts(ModelFolder folder, PipelineSettings settings);

    /**
     * Loads the pipeline; the backend is owned by the returned pipeline and closed with it. A family loads its
     * components through {@link dev.sprint.core.pipeline.Components} and, when a later one fails, releases
     * the ones already loaded before the error propagates (the caller closes the backend).
     */
    Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend);
}
