package dev.sprint.api;

/** Progress callbacks of one generation; every method has an empty default. Called on the generating thread. */
public interface GenerationListener {
    GenerationListener NONE = new GenerationListener() {};

    /** A named stage (e.g. "text_encoder", "decode") is about to start. */
    default void onStage(String stage) {}

    /** A sampler step finished. */
    default void onStep(StepEvent event) {}

    /**
     * A preview of the current estimate, after each step the request's {@link GenerationRequest#previewEvery()}
     * selects (never called when the request asks for no previews, which is the default).
     */
    default void onPreview(PreviewEvent event) {}
}
