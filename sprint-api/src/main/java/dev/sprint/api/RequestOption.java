package dev.sprint.api;

/**
 * A typed per-request setting of one model family or optional module, given to
 * {@link GenerationRequest.Builder#with} (e.g. a ControlNet's control image and conditioning scale).
 * sprint-api knows no option by name; a pipeline that does not read an option set on a request rejects the
 * request with an {@link InvalidRequestException} (nothing is silently ignored).
 */
public interface RequestOption {
    /** The type the option is stored and looked up by; a later option of the same type replaces an earlier one. */
    default Class<? extends RequestOption> type() {
        return getClass();
    }

    /** What the option needs, for the error when a pipeline does not read it. */
    default String requirement() {
        return null;
    }

    /**
     * A value by which requests can be grouped into one batched call: two requests whose options have equal
     * batch keys (and equal other fields) are interchangeable. The option itself by default; an option
     * holding an image returns a value of its pixels instead of the image object.
     */
    default Object batchKey() {
        return this;
    }
}
