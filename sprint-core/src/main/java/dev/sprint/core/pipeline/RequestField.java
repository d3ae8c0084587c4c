package dev.sprint.core.pipeline;

import dev.sprint.api.GenerationRequest;
import java.util.function.Predicate;

/**
 * The {@link GenerationRequest} fields that only some model families read. A pipeline declares the ones it
 * reads; a request (or the pipeline's defaults) that sets any other is rejected before work starts, so no
 * setting is silently ignored. Values that mean "off" ({@code instruction} = empty list,
 * {@code normalizePrompt} = false, {@code resolutionBinning} = false) are accepted everywhere.
 */
public enum RequestField {
    NEGATIVE_PROMPT("negativePrompt", r -> r.negativePrompt() != null),
    STEPS("steps", r -> r.steps() != null),
    TIMESTEPS("timesteps", r -> r.timesteps() != null),
    MAX_TIMESTEP("maxTimestep", r -> r.maxTimestep() != null),
    INTERMEDIATE_TIMESTEP("intermediateTimestep", r -> r.intermediateTimestep() != null),
    GUIDANCE_SCALE("guidanceScale", r -> r.guidanceScale() != null),
    MAX_SEQUENCE_LENGTH("maxSequenceLength", r -> r.maxSequenceLength() != null),
    INSTRUCTION("instruction", r -> r.instruction() != null && !r.instruction().isEmpty()),
    NORMALIZE_PROMPT("normalizePrompt", r -> Boolean.TRUE.equals(r.normalizePrompt())),
    IMAGE("image/strength (img2img)", r -> r.image() != null || r.strength() != null);

    private final String label;
    private final Predicate<GenerationRequest> set;

    RequestField(String label, Predicate<GenerationRequest> set) {
        this.label = label;
        this.set = set;
    }

    /** The field's name on {@link GenerationRequest}. */
    public String label() {
        return label;
    }

    /** Whether the request sets the field to something other than "off". */
    public boolean isSet(GenerationRequest r) {
        return set.test(r);
    }
}
