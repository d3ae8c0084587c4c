package dev.sprint.api;

import java.util.List;
import java.util.Map;

/**
 * What one {@code generate} call made.
 *
 * @param images    decoded images in prompt order (each prompt's {@code imagesPerPrompt} images together); empty for
 *                  {@link OutputType#LATENT}
 * @param latents   the final latents for {@link OutputType#LATENT}, else null
 * @param seed      seed of the generator that drew all noise of this call
 * @param timingsMs wall-clock milliseconds per stage ("text_encoder", "step_0", ..., "decode", "total")
 */
public record GenerationResult(List<GeneratedImage> images, Latents latents, long seed, Map<String, Double> timingsMs) {
    public GenerationResult {
        images = List.copyOf(images);
        timingsMs = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(timingsMs));
    }

    /** The first image; a {@link SprintException} if the call produced latents only. */
    public GeneratedImage image() {
        if (images.isEmpty()) throw new SprintException("this result holds latents, not images (the request asked for OutputType.LATENT)");
        return images.get(0);
    }
}
