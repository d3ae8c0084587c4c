package dev.sprint.api;

import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A low-cost look at the image a generation is converging to, after one sampler step: the step's estimate of the
 * clean latents (x0) turned into RGB by the pipeline's preview decoder (a linear latent→RGB projection, a tiny
 * autoencoder, or the model's own VAE; see {@link GenerationRequest#previewEvery()}). Only sent to a listener
 * when the request asks for previews, so generations without previews do no preview work at all.
 *
 * <p>Preview images are at the decoder's resolution: the latent grid for a projection (1/8 or 1/32 of the image
 * side), the generation size for a tiny autoencoder or the VAE. Scale-wise samplers (SwD) grow the latent per step,
 * so their previews grow too. Each event carries new images; the listener may keep them.
 *
 * @param step   0-based index of the sampler step the preview shows
 * @param steps  sampler steps of this generation
 * @param images one image per image of the call, in the order of {@link GenerationResult#images()}
 */
public record PreviewEvent(int step, int steps, List<BufferedImage> images) {
    public PreviewEvent {
        images = List.copyOf(images);
    }

    /** The first image's preview. */
    public BufferedImage image() {
        return images.get(0);
    }
}
