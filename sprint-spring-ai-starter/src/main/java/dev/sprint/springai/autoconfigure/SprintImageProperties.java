package dev.sprint.springai.autoconfigure;

import dev.sprint.api.Pipeline;
import dev.sprint.api.Precision;
import dev.sprint.springai.SprintImageOptions;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the auto-configured Sprint image model, under {@value #CONFIG_PREFIX}: the pipeline (model,
 * backend, device, ...) and the default {@link #getOptions() options} of every call.
 *
 * <pre>
 * spring.ai.model.image=sprint
 * spring.ai.sprint.image.model=/models/Sana_Sprint_0.6B_1024px_diffusers
 * spring.ai.sprint.image.device=cuda
 * spring.ai.sprint.image.options.steps=2
 * spring.ai.sprint.image.options.width=1024
 * spring.ai.sprint.image.options.height=768
 * </pre>
 */
@ConfigurationProperties(SprintImageProperties.CONFIG_PREFIX)
public class SprintImageProperties {
    /** Prefix of these properties. */
    public static final String CONFIG_PREFIX = "spring.ai.sprint.image";

    /** Model folder (diffusers layout) or Hugging Face repo id (from the Hugging Face cache, downloaded if missing). */
    private String model = Pipeline.DEFAULT_MODEL;

    /** Backend by name (djl, onnx); unset: sprint.backend / SPRINT_BACKEND, else the best usable one. */
    private String backend;

    /** Device: auto (GPU if usable, else CPU), cpu, cuda or cuda:N. */
    private String device = "auto";

    /** Fail at start-up instead of falling back to CPU when the device cannot be used. */
    private boolean requireDevice;

    /** Compute precision: auto (float16 on CUDA, float32 on CPU), float32 or float16. */
    private Precision precision = Precision.AUTO;

    /** Intra-op CPU threads; 0 = the backend's default. */
    private int threads;

    /** Backend-specific settings by name, e.g. onnx.sessionCache. */
    private Map<String, String> backendOptions = new LinkedHashMap<>();

    /** Default options of every call; a request's own options are merged over them. */
    private final Options options = new Options();

    public String getModel() {
        return model;
    }

    public void setModel(String model) {
        this.model = model;
    }

    public String getBackend() {
        return backend;
    }

    public void setBackend(String backend) {
        this.backend = backend;
    }

    public String getDevice() {
        return device;
    }

    public void setDevice(String device) {
        this.device = device;
    }

    public boolean isRequireDevice() {
        return requireDevice;
    }

    public void setRequireDevice(boolean requireDevice) {
        this.requireDevice = requireDevice;
    }

    public Precision getPrecision() {
        return precision;
    }

    public void setPrecision(Precision precision) {
        this.precision = precision;
    }

    public int getThreads() {
        return threads;
    }

    public void setThreads(int threads) {
        this.threads = threads;
    }

    public Map<String, String> getBackendOptions() {
        return backendOptions;
    }

    public void setBackendOptions(Map<String, String> backendOptions) {
        this.backendOptions = backendOptions;
    }

    public Options getOptions() {
        return options;
    }

    /** The pipeline these settings describe (not yet loaded). */
    public Pipeline.Builder pipelineBuilder() {
        Pipeline.Builder b = Pipeline.builder().model(model).backend(backend).device(device).requireDevice(requireDevice)
                .precision(precision).threads(threads);
        backendOptions.forEach(b::backendOption);
        return b;
    }

    /** Default generation options ({@code spring.ai.sprint.image.options.*}); unset values mean the model's defaults. */
    public static class Options {
        /** Images per prompt. */
        private Integer n;
        /** Image width in pixels. */
        private Integer width;
        /** Image height in pixels. */
        private Integer height;
        /** Sampler steps (SANA-Sprint: 1..4). */
        private Integer steps;
        /** Seed of every call; unset: a fresh seed per call, reported in the image metadata. */
        private Long seed;
        /** Guidance scale (embedded guidance for SANA-Sprint, CFG for models that use it). */
        private Double guidanceScale;
        /** Negative prompt, for models with classifier-free guidance (SANA-Sprint rejects one). */
        private String negativePrompt;
        /** Render at the nearest aspect-ratio bucket and resize back (default true), or exactly width x height. */
        private Boolean resolutionBinning;
        /** Text tokens kept per prompt. */
        private Integer maxSequenceLength;

        public Integer getN() {
            return n;
        }

        public void setN(Integer n) {
            this.n = n;
        }

        public Integer getWidth() {
            return width;
        }

        public void setWidth(Integer width) {
            this.width = width;
        }

        public Integer getHeight() {
            return height;
        }

        public void setHeight(Integer height) {
            this.height = height;
        }

        public Integer getSteps() {
            return steps;
        }

        public void setSteps(Integer steps) {
            this.steps = steps;
        }

        public Long getSeed() {
            return seed;
        }

        public void setSeed(Long seed) {
            this.seed = seed;
        }

        public Double getGuidanceScale() {
            return guidanceScale;
        }

        public void setGuidanceScale(Double guidanceScale) {
            this.guidanceScale = guidanceScale;
        }

        public String getNegativePrompt() {
            return negativePrompt;
        }

        public void setNegativePrompt(String negativePrompt) {
            this.negativePrompt = negativePrompt;
        }

        public Boolean getResolutionBinning() {
            return resolutionBinning;
        }

        public void setResolutionBinning(Boolean resolutionBinning) {
            this.resolutionBinning = resolutionBinning;
        }

        public Integer getMaxSequenceLength() {
            return maxSequenceLength;
        }

        public void setMaxSequenceLength(Integer maxSequenceLength) {
            this.maxSequenceLength = maxSequenceLength;
        }

        /** As immutable {@link SprintImageOptions}. */
        public SprintImageOptions toImageOptions() {
            return SprintImageOptions.builder().n(n).width(width).height(height).steps(steps).seed(seed)
                    .guidanceScale(guidanceScale).negativePrompt(negativePrompt).resolutionBinning(resolutionBinning)
                    .maxSequenceLength(maxSequenceLength).build();
        }
    }
}
