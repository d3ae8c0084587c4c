package dev.sprint.core.sched;

import dev.sprint.core.tensor.Tensor;

/** Sees each finished sampler step (progress, timings, tests); runs inside the step's scope. */
@FunctionalInterface
public interface StepObserver {
    /**
     * @param step     0-based step index
     * @param timestep the step's timestep as the denoiser received it
     * @param denoised the step's x0 estimate, or null for samplers that do not form one (Euler)
     * @param resized  the x0 estimate resized to the next step's size (scale-wise samplers), else null
     * @param latents  the latents after the step
     */
    void onStep(int step, float timestep, Tensor denoised, Tensor resized, Tensor latents);

    /**
     * Whether this observer needs step {@code step}'s x0 estimate: samplers that do not form one anyway (Euler)
     * compute it only then, so that an observer without previews costs nothing.
     */
    default boolean wantsDenoised(int step) {
        return false;
    }
}
