package dev.sprint.api;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * One generation call. Immutable; build with {@link #builder()} and derive variants with
 * {@link #toBuilder()}. Every nullable field means "the pipeline's default" (set on
 * {@link Pipeline.Builder}, else the checkpoint's).
 *
 * @param prompts               one or more prompts; each makes {@code imagesPerPrompt} images
 * @param negativePrompt        negative prompt for classifier-free guidance (models that use CFG), or null
 * @param width                 image width in pixels, or null for the model default
 * @param height                image height in pixels, or null for the model default
 * @param steps                 sampler steps, or null
 * @param timesteps             custom sampler timesteps (SANA-Sprint: N+1 TrigFlow angles ending in 0), or null
 * @param maxTimestep           SANA-Sprint: first TrigFlow angle (default 1.57080), or null
 * @param intermediateTimestep  SANA-Sprint: middle angle of the 2-step schedule (default 1.3), or null
 * @param guidanceScale         guidance scale (embedded for SANA-Sprint, CFG for base models), or null
 * @param seed                  seed of the one generator that draws all noise of this call, or null for a random seed
 * @param seeds                 one seed per image (prompts × imagesPerPrompt), each image drawing its noise from its own
 *                              generator (diffusers' list of generators), or null to use {@code seed}
 * @param imagesPerPrompt       images per prompt, at least 1
 * @param maxSequenceLength     text tokens kept per prompt, or null
 * @param resolutionBinning     snap the size to the model's aspect-ratio table and resize back, or null
 * @param instruction           SANA: complex-human-instruction lines prefixed to the prompt; empty list = off; null = default
 * @param normalizePrompt       strip and lower-case prompts as diffusers does, or null
 * @param image                 input image for img2img, or null
 * @param strength              img2img strength in (0, 1], or null
 * @param output                images or latents
 * @param options               typed options of a model family or module (e.g. a ControlNet's control image), at
 *                              most one per {@link RequestOption#type()}; a pipeline that does not read one rejects
 *                              the request
 * @param previewEvery          send {@link GenerationListener#onPreview} after every N-th sampler step (steps N−1,
 *                              2N−1, ...), or null/0 for no previews; previews cost nothing unless asked for
 */
public record GenerationRequest(
        List<String> prompts,
        String negativePrompt,
        Integer width,
        Integer height,
        Integer steps,
        List<Double> timesteps,
        Double maxTimestep,
        Double intermediateTimestep,
        Double guidanceScale,
        Long seed,
        List<Long> seeds,
        int imagesPerPrompt,
        Integer maxSequenceLength,
        Boolean resolutionBinning,
        List<String> instruction,
        Boolean normalizePrompt,
        BufferedImage image,
        Double strength,
        OutputType output,
        List<RequestOption> options,
        Integer previewEvery) {

    /** Null lists and null list items are {@link InvalidRequestException}s, never a NullPointerException. */
    public GenerationRequest {
        prompts = copy(prompts, "prompts");
        timesteps = timesteps == null ? null : copy(timesteps, "timesteps");
        seeds = seeds == null ? null : copy(seeds, "seeds");
        instruction = instruction == null ? null : copy(instruction, "instruction");
        output = output == null ? OutputType.IMAGE : output;
        options = options == null ? List.of() : copy(options, "options");
        if (previewEvery != null && previewEvery < 0) {
            throw new InvalidRequestException("previewEvery must be 0 (off) or a positive step count, got " + previewEvery);
        }
    }

    private static <T> List<T> copy(List<T> list, String what) {
        if (list == null) throw new InvalidRequestException(what + " is null");
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) throw new InvalidRequestException(what + "[" + i + "] is null");
        }
        return List.copyOf(list);
    }

    /** The option of a type (found by its {@link RequestOption#type()} or any supertype of it). */
    public <T extends RequestOption> Optional<T> option(Class<T> type) {
        for (RequestOption o : options) if (type.isInstance(o)) return Optional.of(type.cast(o));
        return Optional.empty();
    }

    /** A request without prompts whose every field is unset: the "no defaults" of {@link Pipeline.Builder}. */
    public static GenerationRequest defaults() {
        return builder().build();
    }

    /** A request for one prompt with every other value defaulted. */
    public static GenerationRequest of(String prompt) {
        return builder().prompt(prompt).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.prompts.addAll(prompts);
        b.negativePrompt = negativePrompt;
        b.width = width;
        b.height = height;
        b.steps = steps;
        b.timesteps = timesteps;
        b.maxTimestep = maxTimestep;
        b.intermediateTimestep = intermediateTimestep;
        b.guidanceScale = guidanceScale;
        b.seed = seed;
        b.seeds = seeds;
        b.imagesPerPrompt = imagesPerPrompt;
        b.maxSequenceLength = maxSequenceLength;
        b.resolutionBinning = resolutionBinning;
        b.instruction = instruction;
        b.normalizePrompt = normalizePrompt;
        b.image = image;
        b.strength = strength;
        b.output = output;
        b.options.addAll(options);
        b.previewEvery = previewEvery;
        return b;
    }

    /** Builder of {@link GenerationRequest}; plain setter names, all optional except a prompt. */
    public static final class Builder {
        private final List<String> prompts = new ArrayList<>();
        private String negativePrompt;
        private Integer width;
        private Integer height;
        private Integer steps;
        private List<Double> timesteps;
        private Double maxTimestep;
        private Double intermediateTimestep;
        private Double guidanceScale;
        private Long seed;
        private List<Long> seeds;
        private int imagesPerPrompt = 1;
        private Integer maxSequenceLength;
        private Boolean resolutionBinning;
        private List<String> instruction;
        private Boolean normalizePrompt;
        private BufferedImage image;
        private Double strength;
        private OutputType output = OutputType.IMAGE;
        private final List<RequestOption> options = new ArrayList<>();
        private Integer previewEvery;

        private Builder() {}

        /** Adds a prompt (call again for a batch); null is an {@link InvalidRequestException}. */
        public Builder prompt(String prompt) {
            if (prompt == null) throw new InvalidRequestException("a prompt is null");
            prompts.add(prompt);
            return this;
        }

        /** Replaces the prompts with this batch; a null list or item is an {@link InvalidRequestException}. */
        public Builder prompts(List<String> batch) {
            if (batch == null) throw new InvalidRequestException("the prompt list is null");
            prompts.clear();
            batch.forEach(this::prompt);
            return this;
        }

        public Builder negativePrompt(String v) { negativePrompt = v; return this; }
        public Builder width(int v) { width = v; return this; }
        public Builder height(int v) { height = v; return this; }
        /** Sets width and height. */
        public Builder size(int w, int h) { width = w; height = h; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder timesteps(List<Double> v) { timesteps = v; return this; }
        public Builder maxTimestep(double v) { maxTimestep = v; return this; }
        public Builder intermediateTimestep(double v) { intermediateTimestep = v; return this; }
        public Builder guidanceScale(double v) { guidanceScale = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        /** One seed per image; overrides {@link #seed} for noise. */
        public Builder seeds(List<Long> v) { seeds = v; return this; }
        public Builder imagesPerPrompt(int v) { imagesPerPrompt = v; return this; }
        public Builder maxSequenceLength(int v) { maxSequenceLength = v; return this; }
        public Builder resolutionBinning(boolean v) { resolutionBinning = v; return this; }
        /** Complex-human-instruction lines; an empty list turns the prefix off. */
        public Builder instruction(List<String> v) { instruction = v; return this; }
        public Builder normalizePrompt(boolean v) { normalizePrompt = v; return this; }
        /** Input image for img2img. */
        public Builder image(BufferedImage v) { image = v; return this; }
        public Builder strength(double v) { strength = v; return this; }
        public Builder output(OutputType v) { output = v; return this; }
        /** Previews of the current estimate after every N-th step to the listener (0 = none, the default). */
        public Builder previews(int everyNSteps) { previewEvery = everyNSteps; return this; }

        /** Sets a typed option of a model family or module (replacing one of the same type). */
        public Builder with(RequestOption option) {
            if (option == null) throw new InvalidRequestException("the request option is null");
            options.removeIf(o -> o.type().equals(option.type()));
            options.add(option);
            return this;
        }

        /** Removes the option of a type. */
        public Builder without(Class<? extends RequestOption> type) {
            options.removeIf(type::isInstance);
            return this;
        }

        public GenerationRequest build() {
            return new GenerationRequest(prompts, negativePrompt, width, height, steps, timesteps, maxTimestep,
                    intermediateTimestep, guidanceScale, seed, seeds, imagesPerPrompt, maxSequenceLength, resolutionBinning,
                    instruction, normalizePrompt, image, strength, output, options, previewEvery);
        }
    }
}
