package dev.sprint.api;

import dev.sprint.api.spi.BackendOptions;
import java.util.List;
import java.util.Optional;

/**
 * Everything {@link Pipeline.Builder} collected, as handed to the module that opens the model.
 *
 * @param model          model folder path or Hugging Face repo id
 * @param backend        backend name, or null to select automatically
 * @param backendOptions device, precision, threads
 * @param defaults       request values used where a request leaves a field null (its prompts are ignored)
 * @param options        typed settings of model families and optional modules, at most one per {@link PipelineOption#type()}
 *                       (any number of a {@link PipelineOption#repeatable()} type, in the order given)
 */
public record PipelineSettings(String model, String backend, BackendOptions backendOptions,
                               GenerationRequest defaults, List<PipelineOption> options) {
    public PipelineSettings {
        backendOptions = backendOptions == null ? BackendOptions.defaults() : backendOptions;
        defaults = defaults == null ? GenerationRequest.defaults() : defaults;
        options = options == null ? List.of() : List.copyOf(options);
    }

    /** The option of a type (an option is found by its {@link PipelineOption#type()} or any supertype of it). */
    public <T extends PipelineOption> Optional<T> option(Class<T> type) {
        for (PipelineOption o : options) if (type.isInstance(o)) return Optional.of(type.cast(o));
        return Optional.empty();
    }

    /** Every option of a type, in the order given (several only for a {@link PipelineOption#repeatable()} type). */
    public <T extends PipelineOption> List<T> options(Class<T> type) {
        List<T> out = new java.util.ArrayList<>();
        for (PipelineOption o : options) if (type.isInstance(o)) out.add(type.cast(o));
        return List.copyOf(out);
    }
}
