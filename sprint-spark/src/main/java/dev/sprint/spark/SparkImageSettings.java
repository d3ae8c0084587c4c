package dev.sprint.spark;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.Precision;
import java.io.Serializable;

/**
 * What a Spark job generates with: the model and where it runs (one {@link Pipeline} per executor JVM is
 * opened from these), the request defaults of rows that do not set their own size or steps, and how many
 * rows go into one generation call. Small and serializable: it travels to the executors with each task.
 *
 * @param model             model folder or Hugging Face repo id, as seen from every executor (a shared file
 *                          system path, or a repo id present in each executor's Hugging Face cache)
 * @param backend           backend name ("djl", "onnx"), or null to pick the best usable on each executor
 * @param device            "auto", "cpu", "cuda", "cuda:N"; anything but "auto" is required (no CPU fallback)
 * @param precision         compute precision
 * @param threads           intra-op CPU threads of the backend, 0 = backend default
 * @param steps             sampler steps of rows without a {@code steps} value, or null for the model default
 * @param width             image width of rows without a {@code width} value, or null for the model default
 * @param height            image height of rows without a {@code height} value, or null for the model default
 * @param guidanceScale     guidance scale, or null for the model default
 * @param resolutionBinning snap sizes to the model's aspect-ratio table and resize back, or null for the default (on)
 * @param maxSequenceLength text tokens kept per prompt, or null for the model default
 * @param batchSize         at most this many rows of one partition go into one generation call (rows of the same
 *                          size and steps); 1 makes every image independent of the rows around it
 */
public record SparkImageSettings(String model, String backend, String device, Precision precision, int threads,
                                 Integer steps, Integer width, Integer height, Double guidanceScale,
                                 Boolean resolutionBinning, Integer maxSequenceLength, int batchSize)
        implements Serializable {
    /** Rows per generation call unless set: a few images amortise the per-call cost without much memory. */
    public static final int DEFAULT_BATCH_SIZE = 4;

    public SparkImageSettings {
        if (model == null || model.isBlank()) throw new InvalidRequestException("model is required");
        device = device == null ? "auto" : device;
        precision = precision == null ? Precision.AUTO : precision;
        if (threads < 0) throw new InvalidRequestException("threads must be >= 0, got " + threads);
        if (batchSize < 1) throw new InvalidRequestException("batchSize must be >= 1, got " + batchSize);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The part that decides which pipeline an executor opens; request defaults do not. */
    PipelineKey pipelineKey() {
        return new PipelineKey(model, backend, device, precision, threads);
    }

    /** A request for one batch: these defaults, then the batch's own size and steps. */
    GenerationRequest.Builder request() {
        GenerationRequest.Builder b = GenerationRequest.builder();
        if (guidanceScale != null) b.guidanceScale(guidanceScale);
        if (resolutionBinning != null) b.resolutionBinning(resolutionBinning);
        if (maxSequenceLength != null) b.maxSequenceLength(maxSequenceLength);
        return b;
    }

    /** Which pipeline an executor holds: equal keys share one. */
    record PipelineKey(String model, String backend, String device, Precision precision, int threads)
            implements Serializable {
        Pipeline open() {
            Pipeline.Builder b = Pipeline.builder().model(model).device(device).requireDevice(!"auto".equals(device))
                    .precision(precision).threads(threads);
            if (backend != null) b.backend(backend);
            return b.build();
        }
    }

    /** Builder of {@link SparkImageSettings}; every option has a default (the model: {@link Pipeline#DEFAULT_MODEL}). */
    public static final class Builder {
        private String model = Pipeline.DEFAULT_MODEL;
        private String backend;
        private String device = "auto";
        private Precision precision = Precision.AUTO;
        private int threads;
        private Integer steps;
        private Integer width;
        private Integer height;
        private Double guidanceScale;
        private Boolean resolutionBinning;
        private Integer maxSequenceLength;
        private int batchSize = DEFAULT_BATCH_SIZE;

        private Builder() {}

        /** Model folder (as every executor sees it) or Hugging Face repo id. */
        public Builder model(String pathOrRepoId) { model = pathOrRepoId; return this; }
        public Builder backend(String name) { backend = name; return this; }
        public Builder device(String d) { device = d; return this; }
        public Builder precision(Precision p) { precision = p; return this; }
        public Builder threads(int n) { threads = n; return this; }
        public Builder steps(int v) { steps = v; return this; }
        public Builder width(int v) { width = v; return this; }
        public Builder height(int v) { height = v; return this; }
        public Builder size(int w, int h) { width = w; height = h; return this; }
        public Builder guidanceScale(double v) { guidanceScale = v; return this; }
        public Builder resolutionBinning(boolean v) { resolutionBinning = v; return this; }
        public Builder maxSequenceLength(int v) { maxSequenceLength = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }

        public SparkImageSettings build() {
            return new SparkImageSettings(model, backend, device, precision, threads, steps, width, height,
                    guidanceScale, resolutionBinning, maxSequenceLength, batchSize);
        }
    }
}
