package dev.sprint.core.sana;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.OutputType;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.image.ResolutionBinning;
import dev.sprint.core.sched.ScmScheduler;
import java.awt.image.BufferedImage;
import java.util.List;

/**
 * A validated SANA-Sprint request with every default filled in: what the sampler actually runs.
 *
 * @param prompts           the prompts as given
 * @param imagesPerPrompt   images per prompt
 * @param width             requested (output) width
 * @param height            requested (output) height
 * @param genWidth          width the model renders at (the binned size, or the requested one)
 * @param genHeight         height the model renders at
 * @param timesteps         the full TrigFlow schedule (N+1 values ending in 0) before img2img truncation
 * @param guidance          guidance scale (embedded, not CFG)
 * @param seed              seed of the call's generator
 * @param seeds             per-image seeds, or null
 * @param maxSequenceLength text tokens kept
 * @param instruction       complex-human-instruction lines (empty = none)
 * @param normalize         lower-case + strip prompts as diffusers does
 * @param image             img2img input, or null
 * @param strength          img2img strength
 * @param output            images or latents
 */
public record SanaRequest(List<String> prompts, int imagesPerPrompt, int width, int height, int genWidth, int genHeight,
                          float[] timesteps, double guidance, long seed, List<Long> seeds, int maxSequenceLength,
                          List<String> instruction, boolean normalize, BufferedImage image, double strength,
                          OutputType output) {

    public static final double DEFAULT_GUIDANCE = 4.5;
    public static final int DEFAULT_MAX_SEQUENCE_LENGTH = 300;

    /** Total images of the call. */
    public int batch() {
        return prompts.size() * imagesPerPrompt;
    }

    /** Sampler steps of the full schedule. */
    public int steps() {
        return timesteps.length - 1;
    }

    /**
     * Merges a request with the pipeline defaults and validates it.
     *
     * @param sampleSize the transformer's sample_size (binning uses the 1024 table only for 32)
     * @param vaeScale   pixels per latent cell (32 for DC-AE f32)
     */
    public static SanaRequest resolve(GenerationRequest r, GenerationRequest d, int sampleSize, int vaeScale) {
        if (r.prompts().isEmpty()) throw new InvalidRequestException("no prompt: the batch is empty");
        for (String p : r.prompts()) {
            if (p == null) throw new InvalidRequestException("a prompt is null");
        }
        if (r.imagesPerPrompt() < 1 || r.imagesPerPrompt() > 64) {
            throw new InvalidRequestException("imagesPerPrompt must be 1..64, got " + r.imagesPerPrompt());
        }
        if (r.negativePrompt() != null) {
            throw new InvalidRequestException("SANA-Sprint uses embedded guidance, not classifier-free guidance: "
                    + "a negative prompt has no effect, so it is rejected");
        }
        if (r.controlImage() != null || r.controlScale() != null) {
            throw new InvalidRequestException("this pipeline has no ControlNet; build it with Pipeline.builder().controlNet(...)"
                    + " and add dev.sprint:sprint-controlnet");
        }
        int defaultSize = sampleSize * vaeScale;
        Integer w = first(r.width(), d.width());
        Integer h = first(r.height(), d.height());
        int width = w == null ? defaultSize : w;
        int height = h == null ? defaultSize : h;
        boolean binning = first(r.resolutionBinning(), d.resolutionBinning(), Boolean.TRUE);
        if (width < vaeScale || height < vaeScale || width > 4096 || height > 4096) {
            throw new InvalidRequestException("size " + width + "x" + height + " is outside " + vaeScale + "..4096");
        }
        int gw = width;
        int gh = height;
        if (binning && sampleSize == 32) {
            int[] hw = ResolutionBinning.bin1024(height, width);
            gh = hw[0];
            gw = hw[1];
        } else if (width % vaeScale != 0 || height % vaeScale != 0) {
            throw new InvalidRequestException("width and height must be multiples of " + vaeScale + " (got " + width + "x"
                    + height + ")" + (binning ? "" : "; with resolution binning on, any size is rendered at the nearest"
                    + " aspect-ratio bucket and resized"));
        }
        float[] ts = ScmScheduler.timesteps(first(r.steps(), d.steps()), first(r.timesteps(), d.timesteps()),
                first(r.maxTimestep(), d.maxTimestep()), first(r.intermediateTimestep(), d.intermediateTimestep()));
        double guidance = first(r.guidanceScale(), d.guidanceScale(), DEFAULT_GUIDANCE);
        if (!Double.isFinite(guidance) || guidance < 0 || guidance > 100) {
            throw new InvalidRequestException("guidance scale " + guidance + " is outside [0, 100]");
        }
        Long seed = first(r.seed(), d.seed());
        long s = seed != null ? seed : new java.security.SecureRandom().nextLong() & 0xFFFFFFFFL;
        List<Long> seeds = first(r.seeds(), d.seeds());
        int total = r.prompts().size() * r.imagesPerPrompt();
        if (seeds != null && seeds.size() != total) {
            throw new InvalidRequestException(seeds.size() + " seeds for " + total + " images (one per image needed)");
        }
        int maxLen = first(r.maxSequenceLength(), d.maxSequenceLength(), DEFAULT_MAX_SEQUENCE_LENGTH);
        if (maxLen < 2 || maxLen > 4096) throw new InvalidRequestException("maxSequenceLength must be 2..4096, got " + maxLen);
        List<String> instruction = first(r.instruction(), d.instruction(), SanaPromptTokens.CHI_DIFFUSERS);
        boolean normalize = first(r.normalizePrompt(), d.normalizePrompt(), Boolean.TRUE);
        BufferedImage image = r.image();
        double strength = 1.0;
        if (image != null) {
            ImageProcessing.requireImage(image, "img2img input image");
            Double st = first(r.strength(), d.strength());
            strength = st == null ? 0.6 : st;
            if (!(strength > 0 && strength <= 1)) {
                throw new InvalidRequestException("strength must be in (0, 1], got " + strength);
            }
        } else if (r.strength() != null) {
            throw new InvalidRequestException("strength is set but no input image was given");
        }
        return new SanaRequest(r.prompts(), r.imagesPerPrompt(), width, height, gw, gh, ts, guidance, s, seeds, maxLen,
                instruction, normalize, image, strength, r.output());
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) if (v != null) return v;
        return null;
    }
}
