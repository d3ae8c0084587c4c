package dev.sprint.api.spi;

import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;

/**
 * Opens pipelines; implemented by sprint-core and registered in
 * {@code META-INF/services/dev.sprint.api.spi.PipelineFactory}.
 */
public interface PipelineFactory {
    Pipeline open(PipelineSettings settings);
}
