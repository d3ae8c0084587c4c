package dev.sprint.core.pipeline;

import dev.sprint.core.tensor.Tensor;

/** A family's decode step: sampler latents (b, C, h, w) → images (b, 3, H, W) in ≈[−1, 1], untiled or tiled. */
@FunctionalInterface
public interface ImageDecoder {
    /**
     * @param tiled decode in overlapping tiles (the memory plan's decision, or {@code VaeTiling.ON})
     */
    Tensor decode(Tensor latents, boolean tiled);
}
