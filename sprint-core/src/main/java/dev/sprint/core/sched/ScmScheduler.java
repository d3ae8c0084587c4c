package dev.sprint.core.sched;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Config;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Arrays;
import java.util.List;

/**
 * The TrigFlow / sCM few-step schedule of SANA-Sprint ({@code SCMScheduler} in diffusers): a list of
 * N+1 TrigFlow angles from {@code maxTimestep} (≈ π/2, pure noise) down to 0 (data).
 *
 * <ul>
 *   <li>custom timesteps: used as given (N+1 values, strictly decreasing, last 0);</li>
 *   <li>2 steps: {@code [max, intermediate, 0]} (default [1.5708, 1.3, 0]);</li>
 *   <li>otherwise: {@code linspace(max, 0, N+1)} in float32 as PyTorch computes it. Unlike diffusers, an
 *       intermediate timestep given for another step count is ignored rather than an error.</li>
 * </ul>
 * All values are float32, as the reference keeps them (1.5708 is 1.5707999467849731).
 *
 * <p>The step ({@link #sample}): SANA-Sprint's transformer predicts a flow velocity at flow time
 * {@code t' = sin s / (sin s + cos s)} from the rescaled input {@code x·c/σd}, {@code c = √(t'² + (1 − t')²)};
 * it is turned into the TrigFlow output {@code F = σd·((1 − 2t')·x_in + (1 − 2t' + 2t'²)·v)/c}, the data
 * estimate is {@code x0 = cos s·x − sin s·F}, and the next state is {@code cos(s_next)·x0 + sin(s_next)·σd·z}
 * with fresh noise z at every step (the last one included, as the reference draws it).
 *
 * @param sigmaData     σ_d of the TrigFlow parameterisation (0.5), finite in (0, 100]
 * @param predictionType "trigflow"
 */
public record ScmScheduler(double sigmaData, String predictionType) {
    /** Default first angle; the authors' search result, slightly above π/2 and deliberately not clamped. */
    public static final double DEFAULT_MAX_TIMESTEP = 1.57080;
    /** Default middle angle of the 2-step schedule. */
    public static final double DEFAULT_INTERMEDIATE_TIMESTEP = 1.3;
    /** Steps the distilled models support without a custom schedule. */
    public static final int MAX_STEPS = 4;

    /** Most entries a custom schedule may have. */
    public static final int MAX_CUSTOM_STEPS = 1000;

    public ScmScheduler {
        if (!"trigflow".equals(predictionType)) {
            throw new ModelLoadException("SCMScheduler prediction_type '" + predictionType + "' is not supported (only trigflow)");
        }
        if (!(sigmaData > 0 && sigmaData <= 100)) {
            throw new ModelLoadException("SCMScheduler sigma_data must be a number in (0, 100], is " + sigmaData);
        }
    }

    /** Reads {@code scheduler/scheduler_config.json}. */
    public static ScmScheduler from(Config c) {
        try {
            return new ScmScheduler(c.getDouble("sigma_data", 0.5), c.getString("prediction_type", "trigflow"));
        } catch (ModelLoadException e) {
            throw new ModelLoadException(e.getMessage() + " (" + c.origin() + ")", e);
        }
    }

    /**
     * The schedule for a request.
     *
     * @param steps        number of steps, or null (then the custom list decides, else 2)
     * @param custom       custom angles (N+1 values ending in 0), or null
     * @param maxT         first angle, or null for {@link #DEFAULT_MAX_TIMESTEP}
     * @param intermediate middle angle for 2 steps, or null for {@link #DEFAULT_INTERMEDIATE_TIMESTEP}
     */
    public static float[] timesteps(Integer steps, List<Double> custom, Double maxT, Double intermediate) {
        if (custom != null) {
            if (custom.size() < 2) {
                throw new InvalidRequestException("custom timesteps need at least 2 values (N+1 for N steps, ending in 0), got " + custom);
            }
            if (custom.size() > MAX_CUSTOM_STEPS + 1) {
                throw new InvalidRequestException(custom.size() + " custom timesteps; at most " + (MAX_CUSTOM_STEPS + 1)
                        + " (" + MAX_CUSTOM_STEPS + " steps) are supported");
            }
            if (steps != null && steps != custom.size() - 1) {
                throw new InvalidRequestException("steps = " + steps + " but " + custom.size()
                        + " custom timesteps were given (need steps + 1)");
            }
            float[] t = new float[custom.size()];
            for (int i = 0; i < t.length; i++) {
                Double v = custom.get(i);
                if (v == null || !Double.isFinite(v) || v < 0 || v > 1.6) {
                    throw new InvalidRequestException("custom timestep " + v + " is outside [0, 1.6] (TrigFlow angles, π/2 ≈ 1.5708 is pure noise)");
                }
                t[i] = (float) (double) v;
                if (i > 0 && !(t[i] < t[i - 1])) {
                    throw new InvalidRequestException("custom timesteps must be strictly decreasing: " + custom);
                }
            }
            if (t[t.length - 1] != 0f) {
                throw new InvalidRequestException("custom timesteps must end in 0: " + custom);
            }
            return t;
        }
        int n = steps == null ? 2 : steps;
        if (n < 1 || n > MAX_STEPS) {
            throw new InvalidRequestException("steps must be 1.." + MAX_STEPS + " for SANA-Sprint (got " + n
                    + "); pass custom timesteps for other schedules");
        }
        double max = maxT == null ? DEFAULT_MAX_TIMESTEP : maxT;
        if (!Double.isFinite(max) || max <= 0 || max > 1.6) {
            throw new InvalidRequestException("max timestep " + max + " is outside (0, 1.6]");
        }
        if (n == 2) {
            double mid = intermediate == null ? DEFAULT_INTERMEDIATE_TIMESTEP : intermediate;
            if (!Double.isFinite(mid) || mid <= 0 || mid >= max) {
                throw new InvalidRequestException("intermediate timestep " + mid + " must lie in (0, " + max + ")");
            }
            return new float[] {(float) max, (float) mid, 0f};
        }
        return linspace((float) max, 0f, n + 1);
    }

    /**
     * Runs the TrigFlow sCM loop (see the class comment) from the initial latents (already × σd).
     *
     * @param be        the backend
     * @param latents   initial state (B, C, h, w): noise × σd, or the img2img mix
     * @param timesteps the angles to walk (N+1 values ending in 0; img2img passes the truncated tail)
     * @param flowModel the transformer's velocity at (rescaled input, flow time t' per row, step)
     * @param noise     fresh standard normal draws of the latent shape, one per step
     * @param observer  sees each step's x0 estimate and new state, or null
     * @return the final x0 estimate divided by σd: the latents the VAE decodes after its scaling factor
     */
    public Tensor sample(TensorBackend be, Tensor latents, float[] timesteps, Denoiser flowModel, Noise noise,
                         StepObserver observer) {
        double sd = sigmaData;
        long[] shape = latents.shape();
        int batch = (int) shape[0];
        Tensor denoised = null;
        for (int i = 0; i + 1 < timesteps.length; i++) {
            float s = timesteps[i];
            float next = timesteps[i + 1];
            try (Scope step = be.newScope()) {
                float sinS = (float) Math.sin(s);
                float cosS = (float) Math.cos(s);
                float tf = sinS / (cosS + sinS);                          // TrigFlow angle → flow time t'
                float c = (float) Math.sqrt(tf * tf + (1 - tf) * (1 - tf));
                Tensor xIn = latents.mul(1 / sd).mul(c);
                float[] t = new float[batch];
                Arrays.fill(t, tf);
                Tensor v = flowModel.velocity(xIn, t, i);
                // flow velocity → TrigFlow output F, then x0 = cos(s)·x − sin(s)·σd·F
                Tensor f = xIn.mul(1 - 2 * tf).add(v.mul(1 - 2 * tf + 2 * tf * tf)).mul(1.0 / c).mul(sd);
                Tensor x0 = latents.mul(cosS).sub(f.mul(sinS));
                Tensor z = be.latents(noise.randn(shape), shape).mul(sd); // drawn every step
                latents = step.keep(x0.mul(Math.cos(next)).add(z.mul(Math.sin(next))));
                denoised = step.keep(x0);
                if (observer != null) observer.onStep(i, s, x0, null, latents);
            }
        }
        if (denoised == null) throw new InvalidRequestException("a TrigFlow schedule needs at least one step");
        return denoised.mul(1 / sd);
    }

    /** The img2img start: {@code cos(t0)·encoded + sin(t0)·σd·z} for a VAE latent already × scaling × σd. */
    public Tensor noised(Tensor encoded, float t0, Tensor standardNoise) {
        return encoded.mul(Math.cos(t0)).add(standardNoise.mul(sigmaData).mul(Math.sin(t0)));
    }

    /** {@code torch.linspace} for float32: a float step, the first half counted from start, the second from end. */
    static float[] linspace(float start, float end, int count) {
        float[] out = new float[count];
        if (count == 1) {
            out[0] = start;
            return out;
        }
        float step = (end - start) / (float) (count - 1);
        int halfway = count / 2;
        for (int i = 0; i < count; i++) {
            out[i] = i < halfway ? start + step * i : end - step * (count - i - 1);
        }
        return out;
    }
}
