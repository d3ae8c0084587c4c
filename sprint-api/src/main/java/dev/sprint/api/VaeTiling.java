package dev.sprint.api;

/**
 * Tiled VAE decoding (diffusers' {@code vae.enable_tiling()}): the latent is decoded in overlapping tiles blended
 * together, so the decoder's memory is bounded by one tile whatever the image size. Tiles see only their part of
 * the latent, so pixels near tile borders differ slightly from an untiled decode — the reference's untiled image
 * is the default whenever it fits. Set with {@link Pipeline.Builder#vaeTiling(VaeTiling)}.
 */
public enum VaeTiling implements PipelineOption {
    /** Untiled when the decode fits the memory plan, tiled when only tiling makes it fit (the default). */
    AUTO,
    /** Always tiled for latents larger than one tile. */
    ON,
    /** Never tiled: a decode that does not fit is an error before any work, saying how many bytes it needs. */
    OFF
}
