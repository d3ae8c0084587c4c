package dev.sprint.springai;

import java.util.Objects;
import org.springframework.ai.image.ImageOptions;

/**
 * Spring AI image options for {@link SprintImageModel}: the portable ones ({@code n}, size, model, response
 * format) plus Sprint's generation settings. Immutable; every unset (null) value means "the default": for
 * request options the model's {@link SprintImageModel.Builder#defaultOptions default options}, for those the
 * pipeline's, else the checkpoint's.
 *
 * <pre>{@code
 * ImageResponse r = imageModel.call(new ImagePrompt("a red fox in the snow",
 *         SprintImageOptions.builder().steps(2).seed(42).width(1024).height(768).build()));
 * }</pre>
 */
public final class SprintImageOptions implements ImageOptions {
    /** The only response format: images inline as base64 PNG. */
    public static final String B64_JSON = "b64_json";

    private final Integer n;
    private final String model;
    private final Integer width;
    private final Integer height;
    private final String responseFormat;
    private final Integer steps;
    private final Long seed;
    private final Double guidanceScale;
    private final String negativePrompt;
    private final Boolean resolutionBinning;
    private final Integer maxSequenceLength;

    private SprintImageOptions(Builder b) {
        n = b.n;
        model = b.model;
        width = b.width;
        height = b.height;
        responseFormat = b.responseFormat;
        steps = b.steps;
        seed = b.seed;
        guidanceScale = b.guidanceScale;
        negativePrompt = b.negativePrompt;
        resolutionBinning = b.resolutionBinning;
        maxSequenceLength = b.maxSequenceLength;
    }

    /** A builder with every value unset. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these values. */
    public Builder mutate() {
        Builder b = new Builder();
        b.n = n;
        b.model = model;
        b.width = width;
        b.height = height;
        b.responseFormat = responseFormat;
        b.steps = steps;
        b.seed = seed;
        b.guidanceScale = guidanceScale;
        b.negativePrompt = negativePrompt;
        b.resolutionBinning = resolutionBinning;
        b.maxSequenceLength = maxSequenceLength;
        return b;
    }

    /** Images per prompt. */
    @Override
    public Integer getN() {
        return n;
    }

    /**
     * The model the request is meant for; when set it must name the model the {@link SprintImageModel} serves
     * (one model is loaded per {@code SprintImageModel}).
     */
    @Override
    public String getModel() {
        return model;
    }

    @Override
    public Integer getWidth() {
        return width;
    }

    @Override
    public Integer getHeight() {
        return height;
    }

    /** Null or {@value #B64_JSON}: Sprint returns images inline, never as URLs. */
    @Override
    public String getResponseFormat() {
        return responseFormat;
    }

    /** Always null: Sprint has no style presets. */
    @Override
    public String getStyle() {
        return null;
    }

    /** Sampler steps (SANA-Sprint: 1..4). */
    public Integer getSteps() {
        return steps;
    }

    /** Seed of the call's noise; null draws a fresh seed per call (reported in the result metadata). */
    public Long getSeed() {
        return seed;
    }

    /** Guidance scale (embedded guidance for SANA-Sprint, CFG for models that use it). */
    public Double getGuidanceScale() {
        return guidanceScale;
    }

    /** Negative prompt for models with classifier-free guidance (SANA-Sprint rejects one). */
    public String getNegativePrompt() {
        return negativePrompt;
    }

    /** Render at the nearest aspect-ratio bucket and resize back (true, the default), or exactly W×H. */
    public Boolean getResolutionBinning() {
        return resolutionBinning;
    }

    /** Text tokens kept per prompt. */
    public Integer getMaxSequenceLength() {
        return maxSequenceLength;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SprintImageOptions x && Objects.equals(n, x.n) && Objects.equals(model, x.model)
                && Objects.equals(width, x.width) && Objects.equals(height, x.height)
                && Objects.equals(responseFormat, x.responseFormat) && Objects.equals(steps, x.steps)
                && Objects.equals(seed, x.seed) && Objects.equals(guidanceScale, x.guidanceScale)
                && Objects.equals(negativePrompt, x.negativePrompt)
                && Objects.equals(resolutionBinning, x.resolutionBinning)
                && Objects.equals(maxSequenceLength, x.maxSequenceLength);
    }

    @Override
    public int hashCode() {
        return Objects.hash(n, model, width, height, responseFormat, steps, seed, guidanceScale, negativePrompt,
                resolutionBinning, maxSequenceLength);
    }

    @Override
    public String toString() {
        return "SprintImageOptions{n=" + n + ", model=" + model + ", width=" + width + ", height=" + height
                + ", responseFormat=" + responseFormat + ", steps=" + steps + ", seed=" + seed + ", guidanceScale="
                + guidanceScale + ", negativePrompt=" + negativePrompt + ", resolutionBinning=" + resolutionBinning
                + ", maxSequenceLength=" + maxSequenceLength + "}";
    }

    /** Builder of {@link SprintImageOptions}; a null argument unsets a value. */
    public static final class Builder {
        private Integer n;
        private String model;
        private Integer width;
        private Integer height;
        private String responseFormat;
        private Integer steps;
        private Long seed;
        private Double guidanceScale;
        private String negativePrompt;
        private Boolean resolutionBinning;
        private Integer maxSequenceLength;

        private Builder() {}

        /** Images per prompt. */
        public Builder n(Integer n) {
            this.n = n;
            return this;
        }

        /** See {@link SprintImageOptions#getModel()}. */
        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder width(Integer width) {
            this.width = width;
            return this;
        }

        public Builder height(Integer height) {
            this.height = height;
            return this;
        }

        /** Null or {@value SprintImageOptions#B64_JSON}. */
        public Builder responseFormat(String responseFormat) {
            this.responseFormat = responseFormat;
            return this;
        }

        public Builder steps(Integer steps) {
            this.steps = steps;
            return this;
        }

        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        public Builder guidanceScale(Double guidanceScale) {
            this.guidanceScale = guidanceScale;
            return this;
        }

        public Builder negativePrompt(String negativePrompt) {
            this.negativePrompt = negativePrompt;
            return this;
        }

        public Builder resolutionBinning(Boolean resolutionBinning) {
            this.resolutionBinning = resolutionBinning;
            return this;
        }

        public Builder maxSequenceLength(Integer maxSequenceLength) {
            this.maxSequenceLength = maxSequenceLength;
            return this;
        }

        public SprintImageOptions build() {
            return new SprintImageOptions(this);
        }
    }
}
