package dev.sprint.api;

/**
 * A typed setting of a model family or an optional module, given to {@link Pipeline.Builder#with}: e.g. an
 * SwD table for an SD3.5 folder, a ControlNet for a Sana folder, a folder of shared components. sprint-api
 * knows no option by name; each module defines its own types, and each model family declares which types
 * it reads. Opening a model whose family does not read an option that was set is an
 * {@link InvalidRequestException} (nothing is silently ignored).
 */
public interface PipelineOption {
    /**
     * The type the option is stored and looked up by; a later option of the same type replaces an earlier one,
     * unless the option is {@link #repeatable()}.
     */
    default Class<? extends PipelineOption> type() {
        return getClass();
    }

    /**
     * Whether several options of this type may be set, each kept in the order given (e.g. LoRA adapters, each with
     * its scale); false (the default) means a later one replaces an earlier one.
     */
    default boolean repeatable() {
        return false;
    }

    /** What the option needs, for the error when it does not apply (e.g. "a StableDiffusion3Pipeline (SD3.5) folder"). */
    default String requirement() {
        return null;
    }
}
