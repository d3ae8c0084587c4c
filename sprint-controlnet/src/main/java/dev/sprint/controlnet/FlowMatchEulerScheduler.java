package dev.sprint.controlnet;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Config;
import dev.sprint.core.tensor.Tensor;
import java.util.List;

/**
 * diffusers' {@code FlowMatchEulerDiscreteScheduler} as the base Sana pipelines use it: a shifted
 * rectified-flow sigma schedule and the deterministic Euler step {@code x ← x + (σ_next − σ)·v}.
 *
 * <p>The schedule is computed with the reference's exact float types: the training table and
 * {@code sigma_min} in float32 (torch), the inference linspace and the shift in float64 (numpy),
 * then sigmas cast to float32 and timesteps = float32(σ·num_train_timesteps). With the Sana config
 * (shift 3, 1000 train steps) two steps give timesteps [1000, 8.9285717] and sigmas
 * [1, 0.0089285718, 0]. The transformer receives these timesteps unchanged (0..1000 scale).
 */
public final class FlowMatchEulerScheduler {

    /**
     * The fields of {@code scheduler_config.json} this scheduler implements. Features the Sana
     * pipelines never use (dynamic shifting needs a {@code mu} they do not pass; Karras / exponential /
     * beta sigmas; stochastic sampling) are rejected at load time rather than silently ignored.
     */
    public record FlowMatchEulerConfig(int numTrainTimesteps, double shift, Double shiftTerminal, boolean invertSigmas) {
        public FlowMatchEulerConfig {
            if (numTrainTimesteps < 1) throw new ModelLoadException("num_train_timesteps must be ≥ 1, is " + numTrainTimesteps);
            if (!(shift > 0) || Double.isInfinite(shift)) throw new ModelLoadException("shift must be > 0, is " + shift);
        }

        /** Parses a {@code scheduler_config.json}; every key has diffusers' default. */
        public static FlowMatchEulerConfig from(Config c) {
            String cls = c.getString("_class_name", "FlowMatchEulerDiscreteScheduler");
            if (!cls.equals("FlowMatchEulerDiscreteScheduler")) {
                throw new ModelLoadException("scheduler " + cls + " in " + c.origin() + " is not supported; expected FlowMatchEulerDiscreteScheduler");
            }
            for (String flag : List.of("use_dynamic_shifting", "use_karras_sigmas", "use_exponential_sigmas",
                    "use_beta_sigmas", "stochastic_sampling")) {
                if (c.getBoolean(flag, false)) {
                    throw new ModelLoadException(flag + "=true in " + c.origin() + " is not supported by the Sana pipelines");
                }
            }
            Double terminal = c.has("shift_terminal") ? c.getDouble("shift_terminal") : null;
            if (terminal != null && terminal == 0.0) terminal = null; // diffusers tests it for truthiness
            return new FlowMatchEulerConfig(c.getInt("num_train_timesteps", 1000), c.getDouble("shift", 1.0),
                    terminal, c.getBoolean("invert_sigmas", false));
        }
    }

    /**
     * One inference schedule.
     *
     * @param timesteps per step, what the transformer receives (float32 values)
     * @param sigmas    steps + 1 values, the last one the terminal 0 (or 1 when sigmas are inverted)
     */
    public record Schedule(float[] timesteps, float[] sigmas) {
        public int steps() {
            return timesteps.length;
        }

        /** {@code σ_{i+1} − σ_i} in float32, as the reference computes it. */
        public float dt(int i) {
            return sigmas[i + 1] - sigmas[i];
        }
    }

    private final FlowMatchEulerConfig config;
    private final double sigmaMax;
    private final double sigmaMin;

    public FlowMatchEulerScheduler(FlowMatchEulerConfig config) {
        this.config = config;
        // training table: timesteps N..1 (float32), sigma = t/N, shifted, all in float32 as torch does
        this.sigmaMax = trainSigma(config.numTrainTimesteps());
        this.sigmaMin = trainSigma(1);
    }

    public FlowMatchEulerConfig config() {
        return config;
    }

    private float trainSigma(int t) {
        float s = (float) t / (float) config.numTrainTimesteps();
        float shift = (float) config.shift();
        return shift * s / (1f + (shift - 1f) * s);
    }

    /** {@code set_timesteps(steps)}: linspace from σ_max·N to σ_min·N, shifted. */
    public Schedule schedule(int steps) {
        if (steps < 1) throw new InvalidRequestException("steps must be ≥ 1, is " + steps);
        int n = config.numTrainTimesteps();
        double start = sigmaMax * n;
        double stop = sigmaMin * n;
        double[] t = new double[steps];
        if (steps == 1) {
            t[0] = start;
        } else {
            double step = (stop - start) / (steps - 1); // numpy.linspace: i·step + start, last = stop
            for (int i = 0; i < steps; i++) t[i] = i * step + start;
            t[steps - 1] = stop;
        }
        double[] sigmas = new double[steps];
        for (int i = 0; i < steps; i++) sigmas[i] = t[i] / n;
        return finish(sigmas, null);
    }

    /**
     * {@code set_timesteps(timesteps=...)}: custom timesteps in train units (0..N, descending); the
     * sigmas are derived from them and shifted, the timesteps are kept as given (as float32).
     */
    public Schedule schedule(List<Double> timesteps) {
        if (timesteps.isEmpty()) throw new InvalidRequestException("custom timesteps are empty");
        int n = config.numTrainTimesteps();
        float[] given = new float[timesteps.size()];
        double[] sigmas = new double[given.length];
        for (int i = 0; i < given.length; i++) {
            double v = timesteps.get(i);
            if (!(v >= 0 && v <= n)) throw new InvalidRequestException("timestep " + v + " is outside [0, " + n + "]");
            if (i > 0 && !(v < timesteps.get(i - 1))) throw new InvalidRequestException("custom timesteps must be strictly descending: " + timesteps);
            given[i] = (float) v;
            // numpy keeps float32 here (float32 array / int, then python-float · float32 array)
            float s = given[i] / n;
            float shift = (float) config.shift();
            sigmas[i] = shift * s / (1f + (shift - 1f) * s);
        }
        return finish(sigmas, given);
    }

    private Schedule finish(double[] sigmas, float[] givenTimesteps) {
        int steps = sigmas.length;
        double shift = config.shift();
        if (givenTimesteps == null) { // default path: numpy float64 (custom timesteps were shifted in float32)
            for (int i = 0; i < steps; i++) sigmas[i] = shift * sigmas[i] / (1 + (shift - 1) * sigmas[i]);
        }
        if (config.shiftTerminal() != null) {
            double scale = (1 - sigmas[steps - 1]) / (1 - config.shiftTerminal());
            for (int i = 0; i < steps; i++) sigmas[i] = 1 - (1 - sigmas[i]) / scale;
        }
        float[] s = new float[steps + 1];
        for (int i = 0; i < steps; i++) s[i] = (float) sigmas[i];
        float[] t = new float[steps];
        int n = config.numTrainTimesteps();
        if (config.invertSigmas()) {
            for (int i = 0; i < steps; i++) {
                s[i] = 1f - s[i];
                t[i] = s[i] * n;
            }
            s[steps] = 1f;
        } else {
            for (int i = 0; i < steps; i++) t[i] = givenTimesteps != null ? givenTimesteps[i] : s[i] * n;
            s[steps] = 0f;
        }
        return new Schedule(t, s);
    }

    /** One Euler step: {@code latents + dt·v} with {@code dt = σ_{i+1} − σ_i}. */
    public static Tensor step(Schedule schedule, int i, Tensor velocity, Tensor latents) {
        return latents.add(velocity.mul(schedule.dt(i)));
    }
}
