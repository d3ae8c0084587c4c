package dev.sprint.core.pipeline;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.InvalidRequestException;
import java.util.List;

/**
 * A request read through the pipeline's defaults (a field the request leaves null takes the default's),
 * with the value checks every family shares. Families read their own fields through it.
 *
 * @param request  the request as given
 * @param defaults the pipeline's defaults
 * @param limits   the pipeline's request limits
 */
public record RequestReader(GenerationRequest request, GenerationRequest defaults, RequestLimits limits) {

    private static <T> T first(T a, T b) {
        return a != null ? a : b;
    }

    public String negativePrompt() {
        return first(request.negativePrompt(), defaults.negativePrompt());
    }

    public Integer width() {
        return first(request.width(), defaults.width());
    }

    public Integer height() {
        return first(request.height(), defaults.height());
    }

    public Boolean resolutionBinning() {
        return first(request.resolutionBinning(), defaults.resolutionBinning());
    }

    public Long seed() {
        return first(request.seed(), defaults.seed());
    }

    public List<Long> seeds() {
        return first(request.seeds(), defaults.seeds());
    }

    /** Previews every N steps, or null / 0 for none. */
    public Integer previewEvery() {
        return first(request.previewEvery(), defaults.previewEvery());
    }

    /** Steps, or null; checked against {@link RequestLimits#maxSteps()} and ≥ 1 when set. */
    public Integer steps() {
        Integer s = first(request.steps(), defaults.steps());
        if (s != null) {
            if (s < 1) throw new InvalidRequestException("steps must be at least 1, got " + s);
            limits.checkSteps(s);
        }
        return s;
    }

    /** Custom timesteps, or null; the step count they imply is checked against the limit. */
    public List<Double> timesteps() {
        List<Double> t = first(request.timesteps(), defaults.timesteps());
        if (t != null && t.size() > limits.maxSteps() + 1) limits.checkSteps(t.size() - 1);
        return t;
    }

    public Double maxTimestep() {
        return first(request.maxTimestep(), defaults.maxTimestep());
    }

    public Double intermediateTimestep() {
        return first(request.intermediateTimestep(), defaults.intermediateTimestep());
    }

    /** Guidance scale with the family's default, finite in [0, 100]. */
    public double guidanceScale(double dflt) {
        double g = first(first(request.guidanceScale(), defaults.guidanceScale()), dflt);
        if (!Double.isFinite(g) || g < 0 || g > 100) throw new InvalidRequestException("guidance scale " + g + " is outside [0, 100]");
        return g;
    }

    /** Text tokens kept per prompt, with the family's default and bounds. */
    public int maxSequenceLength(int dflt, int min, int max) {
        int n = first(first(request.maxSequenceLength(), defaults.maxSequenceLength()), dflt);
        if (n < min || n > max) throw new InvalidRequestException("maxSequenceLength must be " + min + ".." + max + ", got " + n);
        return n;
    }

    public List<String> instruction(List<String> dflt) {
        return first(first(request.instruction(), defaults.instruction()), dflt);
    }

    public boolean normalizePrompt(boolean dflt) {
        return first(first(request.normalizePrompt(), defaults.normalizePrompt()), dflt);
    }

    /** The img2img strength with its default when an image is given, in (0, 1]. */
    public double strength(double dflt) {
        Double s = first(request.strength(), defaults.strength());
        double v = s == null ? dflt : s;
        if (!(v > 0 && v <= 1)) throw new InvalidRequestException("strength must be in (0, 1], got " + v);
        return v;
    }
}
