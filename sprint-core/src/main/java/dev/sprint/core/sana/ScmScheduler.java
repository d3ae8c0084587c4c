package dev.sprint.core.sana;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.io.Config;
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
 * @param sigmaData     σ_d of the TrigFlow parameterisation (0.5)
 * @param predictionType "trigflow"
 */
public record ScmScheduler(double sigmaData, String predictionType) {
    /** Default first angle; the authors' search result, slightly above π/2 and deliberately not clamped. */
    public static final double DEFAULT_MAX_TIMESTEP = 1.57080;
    /** Default middle angle of the 2-step schedule. */
    public static final double DEFAULT_INTERMEDIATE_TIMESTEP = 1.3;
    /** Steps the distilled models support without a custom schedule. */
    public static final int MAX_STEPS = 4;

    public ScmScheduler {
        if (!"trigflow".equals(predictionType)) {
            throw new InvalidRequestException("SCMScheduler prediction_type '" + predictionType + "' is not supported (only trigflow)");
        }
    }

    /** Reads {@code scheduler/scheduler_config.json}. */
    public static ScmScheduler from(Config c) {
        return new ScmScheduler(c.getDouble("sigma_data", 0.5), c.getString("prediction_type", "trigflow"));
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
