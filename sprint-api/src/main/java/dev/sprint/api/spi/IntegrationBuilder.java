package dev.sprint.api.spi;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineOption;
import dev.sprint.api.Precision;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Base of the builders of Sprint's framework integrations (LangChain4j's and Spring AI's image models): either
 * the settings of a pipeline the integration loads (and closes with itself), or an open pipeline it shares (and
 * leaves open). The two exclude each other; {@link #openPipeline()} says which one was chosen.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class IntegrationBuilder<B extends IntegrationBuilder<B>> {
    private final Pipeline.Builder pipelineBuilder = Pipeline.builder();
    private boolean pipelineSettings;
    private Pipeline shared;

    protected IntegrationBuilder() {}

    /** Model folder (diffusers layout) or Hugging Face repo id (from the Hugging Face cache, downloaded if missing); default {@link Pipeline#DEFAULT_MODEL}. */
    public B model(String pathOrRepoId) {
        return setting(b -> b.model(pathOrRepoId));
    }

    /** Model folder (diffusers layout). */
    public B model(Path folder) {
        return model(Objects.requireNonNull(folder, "folder").toString());
    }

    /** Backend by name ("djl", "onnx"); default: the best one on the class path. */
    public B backend(String name) {
        return setting(b -> b.backend(name));
    }

    /** "auto" (default), "cpu", "cuda" or "cuda:N". */
    public B device(String device) {
        return setting(b -> b.device(device));
    }

    /** Compute precision; CPU always computes float32. */
    public B precision(Precision precision) {
        return setting(b -> b.precision(precision));
    }

    /** Intra-op CPU threads; 0 = the backend's default. */
    public B threads(int threads) {
        return setting(b -> b.threads(threads));
    }

    /**
     * A typed option of the model's family or a module, see {@link Pipeline.Builder#with}: e.g. scale-wise
     * distillation for an SD3.5 folder ({@code SwdPreset.MEDIUM_6_STEPS}, needs dev.sprint:sprint-swd).
     */
    public B with(PipelineOption option) {
        return setting(b -> b.with(option));
    }

    /**
     * Shares an open pipeline instead of loading one; it is not closed with the integration's model.
     * Exclusive with the pipeline settings ({@link #model}, {@link #backend}, {@link #device}, ...).
     */
    public B pipeline(Pipeline existing) {
        shared = Objects.requireNonNull(existing, "pipeline");
        return self();
    }

    /** A pipeline and whether the integration owns it (loaded it, so closes it). */
    protected record OpenedPipeline(Pipeline pipeline, boolean owned) {}

    /**
     * The shared pipeline, or a pipeline loaded from the settings (what {@link Pipeline.Builder#build()} throws
     * for a model it cannot load comes out).
     *
     * @throws InvalidRequestException for a shared pipeline combined with pipeline settings
     */
    protected final OpenedPipeline openPipeline() {
        if (shared == null) return new OpenedPipeline(pipelineBuilder.build(), true);
        if (pipelineSettings) {
            throw new InvalidRequestException("pipeline(existing) shares an open pipeline; model, backend, device, "
                    + "precision, threads and options belong to that pipeline's own builder");
        }
        return new OpenedPipeline(shared, false);
    }

    /** This builder as its concrete type. */
    @SuppressWarnings("unchecked")
    protected final B self() {
        return (B) this;
    }

    private B setting(Consumer<Pipeline.Builder> setting) {
        setting.accept(pipelineBuilder);
        pipelineSettings = true;
        return self();
    }
}
