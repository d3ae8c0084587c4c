package dev.sprint.core.pipeline;

import dev.sprint.api.PipelineSettings;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.tensor.TensorBackend;

/**
 * What a family hands the pipeline it opens: where the model came from, the builder's settings, the backend
 * and the components it loaded — all owned by the pipeline from then on (closed with it: components first,
 * the backend last).
 *
 * @param model      the model as the caller named it (folder or repo id), for provenance
 * @param folder     the opened folder
 * @param settings   the builder's settings (defaults and options)
 * @param backend    the backend
 * @param components the loaded components
 */
public record PipelineContext(String model, ModelFolder folder, PipelineSettings settings, TensorBackend backend,
                              Components components) {}
