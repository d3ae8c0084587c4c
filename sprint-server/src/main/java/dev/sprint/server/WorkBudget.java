package dev.sprint.server;

import dev.sprint.api.GenerationRequest;

/**
 * The most work one request may buy, in pixel-steps: output width × height × images × steps. The queue
 * bounds how many requests wait; this bounds what each costs, so that one request cannot hold the device
 * for hours (a 2048² image × 10 × 1000 steps is 42 000 G pixel-steps). Sizes and steps a request leaves
 * out count as the model's defaults (as the warm-up image showed them); a {@code timesteps} list counts as
 * at least as many steps as it has entries.
 *
 * @param maxWork         pixel-steps a request may need at most
 * @param defaultPixels   width × height of a request without a size
 * @param defaultSteps    steps of a request without steps or timesteps
 */
record WorkBudget(long maxWork, long defaultPixels, int defaultSteps) {
    /** 64 Mi pixel-steps: 1024² × 4 images × 16 steps, 2048² × 16 steps, or SD3.5's 28 steps × 2 images at 1024². */
    static final long DEFAULT_MAX_WORK = 1L << 26;

    /** Pixel-steps of a request (saturating at {@code Long.MAX_VALUE}). */
    long work(GenerationRequest r) {
        long pixelImages = pixels(r) * images(r); // below 2^40: sizes and n are bounded when the request is parsed
        long steps = steps(r);
        return Math.multiplyHigh(pixelImages, steps) != 0 || pixelImages * steps < 0 ? Long.MAX_VALUE : pixelImages * steps;
    }

    /** 400 naming the limit when the request needs more than {@link #maxWork}. */
    void check(GenerationRequest r) {
        check(r, false);
    }

    /**
     * {@link #check(GenerationRequest)}, with a preview decoded by the model's VAE after every step counted as one
     * more step (a decode costs about as much as a step at the output size).
     */
    void check(GenerationRequest r, boolean vaePreviewEachStep) {
        long w = work(r);
        if (vaePreviewEachStep) w = w > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : 2 * w;
        if (w <= maxWork) return;
        String size = r.width() != null && r.height() != null ? r.width() + "x" + r.height() : "the default " + defaultPixels;
        throw ApiError.invalid("This request needs " + size + " pixels × " + images(r) + " image(s) × " + steps(r) + " step(s)"
                + (vaePreviewEachStep ? " × 2 (a VAE-decoded preview per step)" : "") + " = " + w + " pixel-steps, above this server's work limit of " + maxWork + " pixel-steps per request (--max-work);"
                + " ask for fewer images, fewer steps or a smaller size.", null, "work_limit_exceeded");
    }

    private long pixels(GenerationRequest r) {
        return r.width() != null && r.height() != null ? (long) r.width() * r.height() : defaultPixels;
    }

    private static long images(GenerationRequest r) {
        return (long) r.prompts().size() * r.imagesPerPrompt();
    }

    private long steps(GenerationRequest r) {
        long steps = r.steps() != null ? r.steps() : defaultSteps;
        return r.timesteps() != null ? Math.max(steps, r.timesteps().size()) : steps;
    }
}
