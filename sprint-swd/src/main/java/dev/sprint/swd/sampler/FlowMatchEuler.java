package dev.sprint.swd.sampler;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;

/**
 * The plain few-step flow-matching Euler sampler of SD3 ({@code FlowMatchEulerDiscreteScheduler} with a
 * static shift) at one resolution, so SwD can be compared with full-resolution sampling:
 * σ = shift·s / (1 + (shift − 1)·s) with s = linspace(σ_max, σ_min, N) over the scheduler's already-shifted
 * training range (diffusers shifts twice: once for the training table, again in set_timesteps), then 0
 * appended; timesteps = σ·1000;
 * x ← x + (σₙₑₓₜ − σ)·v.
 */
public final class FlowMatchEuler {
    private FlowMatchEuler() {}

    /** The N+1 sigmas (float32) for N steps. */
    public static float[] sigmas(int steps, double shift, int trainSteps) {
        if (steps < 1 || steps > 1000) throw new InvalidRequestException("steps must be 1..1000, got " + steps);
        float[] out = new float[steps + 1];
        // training table (float32 tensor ops): σ = shift·t/(1+(shift−1)·t) for t = 1/N_train .. 1
        float tMin = 1f / trainSteps;
        float sigmaMin = (float) shift * tMin / (1f + ((float) shift - 1f) * tMin);
        double start = 1000.0;                 // _sigma_to_t(sigma_max = 1)
        double end = (double) sigmaMin * 1000; // _sigma_to_t(sigma_min)
        for (int i = 0; i < steps; i++) {
            // numpy linspace in float64, /1000, shifted again in float64, stored as float32
            double t = steps == 1 ? start : start + (end - start) * i / (steps - 1);
            double s = t / 1000;
            out[i] = (float) (shift * s / (1 + (shift - 1) * s));
        }
        out[steps] = 0f;
        return out;
    }

    /** Runs the loop from the given initial noise latents. */
    public static Tensor sample(TensorBackend be, Tensor initial, float[] sigmas, ScaleWiseSampler.Denoiser denoiser,
                                ScaleWiseSampler.StepObserver observer) {
        Tensor x = initial;
        int batch = (int) initial.size(0);
        for (int i = 0; i + 1 < sigmas.length; i++) {
            try (Scope scope = be.newScope()) {
                float t = sigmas[i] * 1000f;
                float[] ts = new float[batch];
                java.util.Arrays.fill(ts, t);
                Tensor v = denoiser.velocity(x, ts, i);
                x = x.add(v.mul(sigmas[i + 1] - sigmas[i]));
                if (observer != null) observer.onStep(i, t, null, null, x);
                x = scope.keep(x);
            }
        }
        return x;
    }
}
