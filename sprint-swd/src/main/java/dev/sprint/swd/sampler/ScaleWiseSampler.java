package dev.sprint.swd.sampler;

import dev.sprint.core.sched.Denoiser;
import dev.sprint.core.sched.Noise;
import dev.sprint.core.sched.StepObserver;
import dev.sprint.core.tensor.ResizeMode;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;

/**
 * The SwD loop (yandex-research/swd {@code inference.py}): start from noise at {@code scales[0]}; at each
 * step predict x0 = x − σ·v at the current scale, upscale x0 bicubically in latent space to the next
 * scale (PyTorch-exact, no antialiasing), and re-noise x = (1 − σₙₑₓₜ)·x0 + σₙₑₓₜ·ε with fresh noise
 * (drawn at every step, the last included, as the reference does). Timesteps are float32(σ)·1000; no
 * scheduler shift (the tables are already shifted). The callbacks are core's sampler interfaces
 * ({@link Denoiser}, {@link Noise}, {@link StepObserver}), shared with the Euler and TrigFlow samplers.
 */
public final class ScaleWiseSampler {
    private ScaleWiseSampler() {}

    /**
     * Runs the loop and returns the final latents (B, C, h, w) at the last scale.
     *
     * @param batch    images
     * @param channels latent channels (16 for SD3.5)
     */
    public static Tensor sample(TensorBackend be, ScaleSchedule table, int batch, int channels, Denoiser denoiser,
                                Noise noise, StepObserver observer) {
        int[] s0 = table.scales().get(0);
        long[] shape = {batch, channels, s0[0], s0[1]};
        Tensor x = be.latents(noise.randn(shape), shape);
        float[] sigmas = table.sigmas();
        for (int i = 0; i < table.steps(); i++) {
            try (Scope scope = be.newScope()) {
                float sigma = sigmas[i];
                float next = sigmas[i + 1];
                float t = sigma * 1000f; // float32 product, as the reference's tensor op
                float[] ts = new float[batch];
                java.util.Arrays.fill(ts, t);
                Tensor v = denoiser.velocity(x, ts, i);
                Tensor x0 = x.sub(v.mul(sigma));
                Tensor up = x0;
                if (i + 1 < table.steps()) {
                    int[] s = table.scales().get(i + 1);
                    if (s[0] != x0.size(2) || s[1] != x0.size(3)) {
                        up = be.interpolate(x0, s[0], s[1], ResizeMode.BICUBIC, false);
                    }
                }
                long[] ns = up.shape();
                Tensor eps = be.latents(noise.randn(ns), ns);
                x = up.mul(1f - next).add(eps.mul(next));
                if (observer != null) observer.onStep(i, t, x0, up, x);
                x = scope.keep(x);
            }
        }
        return x;
    }
}
