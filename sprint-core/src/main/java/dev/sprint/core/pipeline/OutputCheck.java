package dev.sprint.core.pipeline;

import dev.sprint.api.PipelineOption;

/**
 * What a pipeline does when its decoded images (or returned latents) contain NaN or infinite values —
 * broken weights, a broken config, or a float16 overflow; the check is one pass over values that are read
 * back anyway. {@code Pipeline.builder().with(OutputCheck.WARN)}; the default is {@link #FAIL}.
 */
public enum OutputCheck implements PipelineOption {
    /** A {@link dev.sprint.api.BackendException} naming how many values are not finite (default). */
    FAIL,
    /** A warning in the log; the image is returned (NaN becomes black). */
    WARN,
    /** No check. */
    OFF;

    @Override
    public Class<? extends PipelineOption> type() {
        return OutputCheck.class;
    }
}
