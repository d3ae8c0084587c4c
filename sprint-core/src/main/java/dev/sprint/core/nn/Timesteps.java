package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.List;

/**
 * diffusers' {@code Timesteps(num_channels, flip_sin_to_cos=True, downscale_freq_shift=0)}: the sinusoidal
 * projection {@code [cos(t·freq) | sin(t·freq)]} with {@code freqᵢ = exp(−ln(10000)·i/half)}, the
 * frequencies in float32 steps as torch computes them. It exists in two placements with the same
 * frequencies: on the host ({@link #project(float[], int)}, the projection is then a graph input) and on
 * the backend ({@link #project(Tensor, int)}, products and trigonometry in the backend's kernels); each
 * model keeps the placement its parity was established with.
 */
public final class Timesteps {
    /** The width every diffusion model here uses. */
    public static final int CHANNELS = 256;

    private Timesteps() {}

    /** {@code exp(−ln(10000)·i/half)} for {@code i < half}, float32. */
    public static float[] frequencies(int channels) {
        int half = channels / 2;
        float[] freqs = new float[half];
        float logMax = (float) -Math.log(10000.0);
        for (int i = 0; i < half; i++) freqs[i] = (float) Math.exp(logMax * (float) i / (float) half);
        return freqs;
    }

    /** (B) timesteps → (B·channels) row-major projections, computed on the host. */
    public static float[] project(float[] t, int channels) {
        int half = channels / 2;
        float[] freqs = frequencies(channels);
        float[] out = new float[t.length * channels];
        for (int b = 0; b < t.length; b++) {
            for (int i = 0; i < half; i++) {
                float arg = t[b] * freqs[i];
                out[b * channels + i] = (float) Math.cos(arg);
                out[b * channels + half + i] = (float) Math.sin(arg);
            }
        }
        return out;
    }

    /**
     * (B) timesteps → (B, channels) projections, computed by the backend (the timestep stays a graph input) in the
     * latents' type, then given in the compute type: diffusers' {@code get_timestep_embedding} takes
     * {@code timesteps.float()} whatever their dtype and the embedder casts the projection to the model's dtype.
     */
    public static Tensor project(Tensor t, int channels) {
        TensorBackend be = t.backend();
        int half = channels / 2;
        Tensor freqs = be.upload(dev.sprint.core.tensor.HostTensor.ofFloats(frequencies(channels), 1, half), be.latentType());
        Tensor arg = t.to(be.latentType()).reshape(t.size(0), 1).mul(freqs);
        return be.concat(List.of(be.cos(arg), be.sin(arg)), 1).to(be.floatType());
    }
}
