package dev.sprint.swd;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.OutputType;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.text.Sd3TextEncoder;
import java.util.ArrayList;
import java.util.List;

/**
 * A validated SD3.5 request with every default filled in.
 *
 * @param prompts           one prompt per image (each prompt repeated imagesPerPrompt times)
 * @param negatives         one negative prompt per image, or null without CFG
 * @param width             output width
 * @param height            output height
 * @param table             SwD: the (possibly rescaled) table; null for plain Euler
 * @param steps             sampler steps
 * @param guidance          CFG scale (CFG only when > 1)
 * @param seed              seed of the call's generator
 * @param seeds             per-image seeds, or null
 * @param maxSequenceLength T5 tokens
 * @param output            images or latents
 * @param promptCount       prompts as given (before repetition)
 */
record Sd3Request(List<String> prompts, List<String> negatives, int width, int height, ScaleSchedule table, int steps,
                  double guidance, long seed, List<Long> seeds, int maxSequenceLength, OutputType output, int promptCount) {

    /** diffusers' StableDiffusion3Pipeline defaults. */
    static final int DEFAULT_STEPS = 28;
    static final double DEFAULT_GUIDANCE = 7.0;
    /** SwD runs without CFG (the released READMEs pass 1.0 or 0.0) and with T5 length 512 (SD3.5-L README). */
    static final double SWD_GUIDANCE = 1.0;
    static final int SWD_MAX_SEQUENCE_LENGTH = 512;

    int batch() {
        return prompts.size();
    }

    boolean guided() {
        return negatives != null;
    }

    /**
     * @param swd       the SwD table of the pipeline, or null for plain Euler
     * @param pixelStep pixels per latent cell × patch size (16): sizes must be multiples
     * @param vaeScale  pixels per latent cell (8)
     * @param patch     transformer patch size
     * @param sampleSize the transformer's native latent side (plain Euler's default size)
     */
    static Sd3Request resolve(GenerationRequest r, GenerationRequest d, ScaleSchedule swd, int vaeScale, int patch, int sampleSize) {
        if (r.prompts().isEmpty()) throw new InvalidRequestException("no prompt: the batch is empty");
        for (String p : r.prompts()) if (p == null) throw new InvalidRequestException("a prompt is null");
        if (r.imagesPerPrompt() < 1 || r.imagesPerPrompt() > 64) {
            throw new InvalidRequestException("imagesPerPrompt must be 1..64, got " + r.imagesPerPrompt());
        }
        if (r.image() != null || r.strength() != null) {
            throw new InvalidRequestException("image-to-image is not supported by the SD3.5 / SwD pipeline");
        }
        if (r.controlImage() != null || r.controlScale() != null) {
            throw new InvalidRequestException("the SD3.5 / SwD pipeline has no ControlNet");
        }
        if (r.timesteps() != null || r.maxTimestep() != null || r.intermediateTimestep() != null) {
            throw new InvalidRequestException("custom timesteps are a SANA-Sprint option; for SD3.5 use steps, or an SwD table"
                    + " (Pipeline.builder().swd(...))");
        }
        if (r.instruction() != null && !r.instruction().isEmpty()) {
            throw new InvalidRequestException("prompt instructions are a SANA option; SD3.5 has none");
        }
        if (Boolean.TRUE.equals(r.resolutionBinning())) {
            throw new InvalidRequestException("resolution binning is a SANA option; SD3.5 renders the requested size");
        }
        int unit = vaeScale * patch;
        Integer w = first(r.width(), d.width());
        Integer h = first(r.height(), d.height());
        ScaleSchedule table = null;
        int width;
        int height;
        int steps;
        Integer reqSteps = first(r.steps(), d.steps());
        if (swd != null) {
            int[] last = swd.finalScale();
            width = w == null ? last[1] * vaeScale : w;
            height = h == null ? last[0] * vaeScale : h;
            checkSize(width, height, unit);
            table = swd.rescaledTo(height / vaeScale, width / vaeScale, patch).requireMultipleOf(patch);
            steps = table.steps();
            if (reqSteps != null && reqSteps != steps) {
                throw new InvalidRequestException("the SwD table '" + swd.name() + "' has " + steps + " steps but " + reqSteps
                        + " were requested; leave steps unset or choose a table with " + reqSteps + " steps");
            }
        } else {
            width = w == null ? sampleSize * vaeScale : w;
            height = h == null ? sampleSize * vaeScale : h;
            checkSize(width, height, unit);
            steps = reqSteps == null ? DEFAULT_STEPS : reqSteps;
            if (steps < 1 || steps > 1000) throw new InvalidRequestException("steps must be 1..1000, got " + steps);
        }
        double guidance = first(r.guidanceScale(), d.guidanceScale(), swd != null ? SWD_GUIDANCE : DEFAULT_GUIDANCE);
        if (!Double.isFinite(guidance) || guidance < 0 || guidance > 100) {
            throw new InvalidRequestException("guidance scale " + guidance + " is outside [0, 100]");
        }
        Long seed = first(r.seed(), d.seed());
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong() & 0xFFFFFFFFL;
        int total = r.prompts().size() * r.imagesPerPrompt();
        List<Long> seeds = first(r.seeds(), d.seeds());
        if (seeds != null && seeds.size() != total) {
            throw new InvalidRequestException(seeds.size() + " seeds for " + total + " images (one per image needed)");
        }
        int maxLen = first(r.maxSequenceLength(), d.maxSequenceLength(),
                swd != null ? SWD_MAX_SEQUENCE_LENGTH : Sd3TextEncoder.DEFAULT_MAX_SEQUENCE_LENGTH);
        if (maxLen < 1 || maxLen > Sd3TextEncoder.MAX_SEQUENCE_LENGTH) {
            throw new InvalidRequestException("maxSequenceLength must be 1.." + Sd3TextEncoder.MAX_SEQUENCE_LENGTH + " for SD3.5, got " + maxLen);
        }
        List<String> prompts = new ArrayList<>(total);
        for (String p : r.prompts()) for (int i = 0; i < r.imagesPerPrompt(); i++) prompts.add(p);
        List<String> negatives = null;
        String neg = first(r.negativePrompt(), d.negativePrompt());
        if (guidance > 1) {
            negatives = new ArrayList<>(total);
            for (int i = 0; i < total; i++) negatives.add(neg == null ? "" : neg);
        } else if (r.negativePrompt() != null) {
            throw new InvalidRequestException("a negative prompt needs classifier-free guidance: set guidanceScale > 1 (it is "
                    + guidance + (swd != null ? "; SwD checkpoints are distilled to run without guidance" : "") + ")");
        }
        return new Sd3Request(prompts, negatives, width, height, table, steps, guidance, s, seeds, maxLen, r.output(),
                r.prompts().size());
    }

    private static void checkSize(int width, int height, int unit) {
        if (width < unit || height < unit || width > 8192 || height > 8192) {
            throw new InvalidRequestException("size " + width + "x" + height + " is outside " + unit + "..8192");
        }
        if (width % unit != 0 || height % unit != 0) {
            throw new InvalidRequestException("width and height must be multiples of " + unit + " (8 pixels per latent × patch 2) for SD3.5, got "
                    + width + "x" + height);
        }
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) if (v != null) return v;
        return null;
    }
}
