package dev.sprint.api;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.PipelineFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * A loaded text-to-image model on one backend. Weights stay loaded until {@link #close()}.
 *
 * <p>Thread safety: {@code generate} may be called from several threads; calls are serialized per
 * pipeline (one device), so use one pipeline per device, or batch prompts into one request.
 * {@link #close()} may be called from any thread: calls waiting for the pipeline and the running one (at its
 * next check point) end with {@link PipelineClosedException}, then the weights are released.
 *
 * <p>Everything a pipeline throws is a {@link SprintException}.
 *
 * <pre>{@code
 * try (Pipeline p = Pipeline.builder().model("/models/Sana_Sprint_0.6B_1024px_diffusers").steps(2).build()) {
 *     p.generate("a red fox in the snow, watercolor").writePng(Path.of("fox.png"));
 * }
 * }</pre>
 */
public interface Pipeline extends AutoCloseable {
    /** Default model when none is set: resolved through the Hugging Face cache. */
    String DEFAULT_MODEL = "Efficient-Large-Model/Sana_Sprint_0.6B_1024px_diffusers";

    static Builder builder() {
        return new Builder();
    }

    /** Generates one image for a prompt with the pipeline's defaults. */
    default GeneratedImage generate(String prompt) {
        return generate(GenerationRequest.of(prompt)).image();
    }

    /** Generates with every option of the request. */
    default GenerationResult generate(GenerationRequest request) {
        return generate(request, GenerationListener.NONE, new CancellationToken());
    }

    /**
     * Generates, reporting progress to {@code listener} and stopping at the next check point when
     * {@code cancel} is cancelled or the thread is interrupted ({@link GenerationCancelledException}); a
     * listener that throws stops the generation the same way, with its exception as the cause.
     */
    GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel);

    /** What was loaded: model, pipeline class, backend, device. */
    Map<String, String> describe();

    /**
     * Frees weights, open files and native memory, after the running generation (if any) has stopped at its
     * next check point. Idempotent. Afterwards {@code generate} throws {@link PipelineClosedException}.
     */
    @Override
    void close();

    /** Builder of a {@link Pipeline}; plain names, every option has a default. */
    final class Builder {
        private String model = DEFAULT_MODEL;
        private String backend;
        private String device = "auto";
        private boolean deviceRequired;
        private Precision precision = Precision.AUTO;
        private int threads;
        private final Map<String, String> backendExtra = new HashMap<>();
        private GenerationRequest.Builder defaults = GenerationRequest.builder();
        private final List<PipelineOption> options = new ArrayList<>();

        private Builder() {}

        /** Model folder (diffusers layout) or Hugging Face repo id found in the local HF cache. */
        public Builder model(String pathOrRepoId) {
            if (pathOrRepoId == null || pathOrRepoId.isBlank()) throw new InvalidRequestException("the model is null or blank");
            model = pathOrRepoId;
            return this;
        }
        public Builder model(Path folder) { return model(folder.toString()); }
        /** Backend by name ("djl", "onnx"); default: {@code sprint.backend} / {@code SPRINT_BACKEND}, else the best usable. */
        public Builder backend(String name) { backend = name; return this; }
        /** "auto" (default; GPU if usable, else CPU with a warning), "cpu", "cuda", "cuda:N". */
        public Builder device(String d) { device = d; return this; }
        /** Fail instead of falling back to CPU when the device cannot be used. */
        public Builder requireDevice(boolean v) { deviceRequired = v; return this; }
        public Builder precision(Precision p) { precision = p; return this; }
        /** Intra-op CPU threads; 0 = backend default. */
        public Builder threads(int n) { threads = n; return this; }
        /** A backend-specific setting. */
        public Builder backendOption(String key, String value) { backendExtra.put(key, value); return this; }
        public Builder steps(int v) { defaults.steps(v); return this; }
        public Builder seed(long v) { defaults.seed(v); return this; }
        public Builder size(int width, int height) { defaults.size(width, height); return this; }
        public Builder guidanceScale(double v) { defaults.guidanceScale(v); return this; }
        public Builder resolutionBinning(boolean v) { defaults.resolutionBinning(v); return this; }
        public Builder maxSequenceLength(int v) { defaults.maxSequenceLength(v); return this; }
        /** Default previews: every N-th step to listeners that take them (0 = none, the default); see {@link PreviewEvent}. */
        public Builder previews(int everyNSteps) { defaults.previews(everyNSteps); return this; }
        /** Request defaults as a whole (prompts ignored). */
        public Builder defaults(GenerationRequest request) {
            if (request == null) throw new InvalidRequestException("the default request is null");
            defaults = request.toBuilder();
            return this;
        }

        /**
         * A typed setting of a model family or an optional module, replacing one of the same type (a
         * {@link PipelineOption#repeatable()} one is added instead): e.g. {@code .with(SwdPreset.MEDIUM_6_STEPS)}
         * (sprint-swd), {@code .with(ControlNet.of(dir))} (sprint-controlnet), {@code .with(ComponentSource.of(dir))},
         * {@code .with(Lora.of(dir).scale(0.8))} (sprint-core; repeatable). The opened model's
         * family must read it, else {@link #build()} fails with an {@link InvalidRequestException}.
         */
        public Builder with(PipelineOption option) {
            if (option == null) throw new InvalidRequestException("the pipeline option is null");
            if (!option.repeatable()) options.removeIf(o -> o.type().equals(option.type()));
            options.add(option);
            return this;
        }

        /** How components are held in memory (default {@link MemoryMode#AUTO}); see {@link MemoryMode}. */
        public Builder memory(MemoryMode mode) { return with(mode); }

        /** Tiled VAE decoding (default {@link VaeTiling#AUTO}); see {@link VaeTiling}. */
        public Builder vaeTiling(VaeTiling tiling) { return with(tiling); }

        /** The settings collected so far. */
        public PipelineSettings settings() {
            return new PipelineSettings(model, backend,
                    new BackendOptions(device, deviceRequired, precision, threads, backendExtra),
                    defaults.build(), options);
        }

        /** Loads the model. */
        public Pipeline build() {
            Iterator<PipelineFactory> it = ServiceLoader.load(PipelineFactory.class, Pipeline.class.getClassLoader()).iterator();
            if (!it.hasNext()) {
                ClassLoader tccl = Thread.currentThread().getContextClassLoader();
                if (tccl != null) it = ServiceLoader.load(PipelineFactory.class, tccl).iterator();
            }
            if (!it.hasNext()) {
                throw new UnsupportedModelException("no pipeline implementation on the class path; add dev.sprint:sprint-core");
            }
            return it.next().open(settings());
        }

        /** One-liner for scripts: loads, generates one image, closes. */
        public GeneratedImage generate(String prompt) {
            try (Pipeline p = build()) {
                return p.generate(prompt);
            }
        }
    }
}
