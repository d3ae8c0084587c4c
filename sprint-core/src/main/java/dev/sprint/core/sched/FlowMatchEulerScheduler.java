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
 * diffusers' {@code FlowMatchEulerDiscreteScheduler} with a static shift (base Sana, SD3 / SD3.5): a shifted
 * rectified-flow sigma schedule and the deterministic Euler step {@code x ← x + (σ_next − σ)·v}.
 *
 * <p>The schedule is computed with the reference's exact float types, including its double shift: the
 * training table {@code σ = shift·s/(1 + (shift − 1)·s)} for {@code s = t/N}, {@code t = 1..N} is float32
 * (torch); {@code set_timesteps} then takes {@code linspace(σ_max·N, σ_min·N, n)} over that already shifted
 * range in float64 (numpy), divides by N and shifts <em>again</em>, then casts to float32; timesteps are
 * {@code float32(σ)·N}. With shift 3 and 1000 training steps two steps give timesteps [1000, 8.9285717] and
 * sigmas [1, 0.0089285718, 0]; 28 steps give SD3.5's schedule.
 */
public final class FlowMatchEulerScheduler {
    /** Most inference steps a schedule may have. */
    public static final int MAX_STEPS = 1000;

    /**
     * The fields of {@code scheduler_config.json} this scheduler implements. Features no supported pipeline
     * uses (dynamic shifting needs a {@code mu} they do not pass; Karras / exponential / beta sigmas;
     * stochastic sampling) are rejected at load time rather than silently ignored.
     *
     * @param numTrainTimesteps N, 1..100000
     * @param shift             the static shift, finite in (0, 100]
     * @param shiftTerminal     the end value the shifted schedule is stretched to, in (0, 1), or null
     * @param invertSigmas      sigmas run 1 − σ (diffusers' invert_sigmas)
     */
    public record FlowMatchEulerConfig(int numTrainTimesteps, double shift, Double shiftTerminal, boolean invertSigmas) {
        public FlowMatchEulerConfig {
            if (numTrainTimesteps < 1 || numTrainTimesteps > 100_000) {
                throw new ModelLoadException("num_train_timesteps must be 1..100000, is " + numTrainTimesteps);
            }
            if (!(shift > 0 && shift <= 100)) throw new ModelLoadException("shift must be in (0, 100], is " + shift);
            if (shiftTerminal != null && !(shiftTerminal > 0 && shiftTerminal < 1)) {
                throw new ModelLoadException("shift_terminal must be in (0, 1), is " + shiftTerminal);
            }
        }

        /** Parses a {@code scheduler_config.json}; every key has diffusers' default. */
        public static FlowMatchEulerConfig from(Config c) {
            String cls = c.getString("_class_name", "FlowMatchEulerDiscreteScheduler");
            if (!cls.equals("FlowMatchEulerDiscreteScheduler")) {
                throw new ModelLoadException("scheduler " + cls + " in " + c.origin()
                        + " is not supported; expected FlowMatchEulerDiscreteScheduler");
            }
            for (String flag : List.of("use_dynamic_shifting", "use_karras_sigmas", "use_exponential_sigmas",
                    "use_beta_sigmas", "stochastic_sampling")) {
                if (c.getBoolean(flag, false)) {
                    throw new ModelLoadException(flag + "=true in " + c.origin() + " is not supported (static shift only)");
                }
            }
            Double terminal = c.has("shift_terminal") ? c.getDouble("shift_terminal") : null;
            if (terminal != null && terminal == 0.0) terminal = null; // diffusers tests it for truthiness
            try {
                return new FlowMatchEulerConfig(c.getInt("num_train_timesteps", 1000), c.getDouble("shift", 1.0),
                        terminal, c.getBoolean("invert_sigmas", false));
            } catch (ModelLoadException e) {
                throw new ModelLoadException(e.getMessage() + " (" + c.origin() + ")", e);
            }
        }
    }

    /**
     * One inference schedule.
     *
     * @param timesteps per step, what the denoiser receives (float32 values, 0..N)
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
        if (steps < 1 || steps > MAX_STEPS) {
            throw new InvalidRequestException("steps must be 1.." + MAX_STEPS + " for flow-matching Euler, got " + steps);
        }
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
     * {@code set_timesteps(timesteps=...)}: custom timesteps in train units (0..N, strictly descending); the
     * sigmas are derived from them and shifted, the timesteps are kept as given (as float32).
     */
    public Schedule schedule(List<Double> timesteps) {
        if (timesteps.isEmpty()) throw new InvalidRequestException("custom timesteps are empty");
        if (timesteps.size() > MAX_STEPS) {
            throw new InvalidRequestException(timesteps.size() + " custom timesteps; at most " + MAX_STEPS + " are supported");
        }
        int n = config.numTrainTimesteps();
        float[] given = new float[timesteps.size()];
        double[] sigmas = new double[given.length];
        for (int i = 0; i < given.length; i++) {
            Double v = timesteps.get(i);
            if (v == null || !(v >= 0 && v <= n)) throw new InvalidRequestException("timestep " + v + " is outside [0, " + n + "]");
            if (i > 0 && !(v < timesteps.get(i - 1))) {
                throw new InvalidRequestException("custom timesteps must be strictly descending: " + timesteps);
            }
            given[i] = (float) (double) v;
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

    /**
     * The sampling loop from initial noise latents: per step the denoiser's velocity at the schedule's
     * timestep (one per batch row), then the Euler step; each step in its own scope.
     */
    public static Tensor sample(TensorBackend be, Tensor initial, Schedule schedule, Denoiser denoiser, StepObserver observer) {
        Tensor x = initial;
        int batch = (int) initial.size(0);
        for (int i = 0; i < schedule.steps(); i++) {
            try (Scope scope = be.newScope()) {
                float t = schedule.timesteps()[i];
                float[] ts = new float[batch];
                Arrays.fill(ts, t);
                Tensor v = denoiser.velocity(x, ts, i);
                // x0 = x_t − σ·v, formed only for an observer that asks (previews)
                Tensor x0 = observer != null && observer.wantsDenoised(i) ? x.sub(v.mul(schedule.sigmas()[i])) : null;
                x = step(schedule, i, v, x);
                if (observer != null) observer.onStep(i, t, x0, null, x);
                x = scope.keep(x);
            }
        }
        return x;
    }
}
