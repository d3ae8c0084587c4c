package dev.sprint.core.sched;

import dev.sprint.core.tensor.Tensor;

/**
 * The model evaluation a sampler calls once per step: the prediction for {@code latents} at the step's
 * timesteps (one per batch row, in the denoiser's own units), guidance already applied.
 */
@FunctionalInterface
public interface Denoiser {
    Tensor velocity(Tensor latents, float[] timestep, int step);
}
