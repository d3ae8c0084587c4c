package dev.sprint.core.pipeline;

/**
 * How a family's sampler latents become a preview: what the skeleton needs to turn a step's x0 estimate into
 * RGB with any {@link PreviewDecoder}.
 *
 * @param channels      latent channels
 * @param samplerScale  sampler latents = model latents × this (σ_data for SANA-Sprint's TrigFlow sampler, else 1)
 * @param scalingFactor the VAE's scaling factor (model latents = (VAE latents − shift) × scaling)
 * @param shiftFactor   the VAE's shift factor
 * @param projection    the family's published latent→RGB factors, or null when it has none
 * @param vae           the family's own decode of model latents (for {@link PreviewDecoder.Kind#VAE})
 */
public record LatentPreview(int channels, double samplerScale, double scalingFactor, double shiftFactor,
                            LatentRgbFactors projection, ImageDecoder vae) {}
