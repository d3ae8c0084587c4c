package dev.sprint.api;

import dev.sprint.api.spi.BackendOptions;
import java.util.Map;

/**
 * Everything {@link Pipeline.Builder} collected, as handed to the module that opens the model.
 *
 * @param model          model folder path or Hugging Face repo id
 * @param backend        backend name, or null to select automatically
 * @param backendOptions device, precision, threads
 * @param defaults       request values used where a request leaves a field null (its prompts are ignored)
 * @param controlNet     ControlNet folder path or repo id, or null
 * @param extensions     typed settings of optional modules by key (e.g. "swd")
 */
public record PipelineSettings(String model, String backend, BackendOptions backendOptions,
                               GenerationRequest defaults, String controlNet, Map<String, Object> extensions) {
    public PipelineSettings {
        backendOptions = backendOptions == null ? BackendOptions.defaults() : backendOptions;
        extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }
}
