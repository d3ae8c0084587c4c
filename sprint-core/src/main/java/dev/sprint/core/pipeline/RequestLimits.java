package dev.sprint.core.pipeline;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.PipelineOption;

/**
 * Bounds on the work one request may ask for, checked before any work starts; a request beyond one is an
 * {@link InvalidRequestException} that names the limit. Large batches are also processed in chunks (the
 * text encoder {@value #TEXT_CHUNK} prompts, the decoder {@value #DECODE_CHUNK} images at a time), so memory
 * grows with the chunk, not the batch. Override with {@code Pipeline.builder().with(new RequestLimits(...))}.
 *
 * @param maxPrompts          prompts per request (default 64)
 * @param maxImages           images per request: prompts × images per prompt (default 64)
 * @param maxSide             pixels per side of an image (default 4096)
 * @param maxPixelsPerRequest width × height × images of one request (default 64 × 1024² = 67 108 864)
 * @param maxSteps            sampler steps (default 1000)
 */
public record RequestLimits(int maxPrompts, int maxImages, int maxSide, long maxPixelsPerRequest, int maxSteps)
        implements PipelineOption {
    /** Prompts the text encoder runs at once. */
    public static final int TEXT_CHUNK = 16;
    /** Images the decoder runs at once. */
    public static final int DECODE_CHUNK = 4;
    /** The defaults. */
    public static final RequestLimits DEFAULT = new RequestLimits(64, 64, 4096, 64L << 20, 1000);

    public RequestLimits {
        if (maxPrompts < 1 || maxImages < 1 || maxSide < 8 || maxPixelsPerRequest < 64 || maxSteps < 1) {
            throw new InvalidRequestException("request limits must be positive (maxSide at least 8): " + this);
        }
    }

    /** Checks the shape of a request against the limits. */
    void check(int prompts, int imagesPerPrompt, int width, int height) {
        if (prompts > maxPrompts) {
            throw new InvalidRequestException(prompts + " prompts in one request; the limit is " + maxPrompts
                    + " (RequestLimits.maxPrompts)");
        }
        long images = (long) prompts * imagesPerPrompt;
        if (images > maxImages) {
            throw new InvalidRequestException(images + " images in one request (" + prompts + " prompts × " + imagesPerPrompt
                    + "); the limit is " + maxImages + " (RequestLimits.maxImages)");
        }
        if (width > maxSide || height > maxSide) {
            throw new InvalidRequestException("size " + width + "x" + height + " exceeds " + maxSide + " pixels per side"
                    + " (RequestLimits.maxSide)");
        }
        long pixels = images * width * height;
        if (pixels > maxPixelsPerRequest) {
            throw new InvalidRequestException(images + " images of " + width + "x" + height + " are " + pixels
                    + " pixels; one request may have at most " + maxPixelsPerRequest + " (RequestLimits.maxPixelsPerRequest)");
        }
    }

    /** Checks a step count. */
    void checkSteps(int steps) {
        if (steps > maxSteps) {
            throw new InvalidRequestException(steps + " sampler steps; the limit is " + maxSteps + " (RequestLimits.maxSteps)");
        }
    }
}
