package dev.sprint.core.pipeline;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.PipelineOption;
import java.nio.file.Path;

/**
 * A diffusers folder (or repo id in the Hugging Face cache) that supplies the components a model folder
 * lacks — e.g. {@code text_encoder/}, {@code tokenizer/} and {@code vae/} for a Sana ControlNet folder that
 * ships only its transformer and ControlNet: {@code Pipeline.builder().with(ComponentSource.of(dir))}.
 * Read by the Sana families.
 *
 * @param folder path or repo id
 */
public record ComponentSource(String folder) implements PipelineOption {
    public ComponentSource {
        if (folder == null || folder.isBlank()) throw new InvalidRequestException("the component folder is null or blank");
    }

    public static ComponentSource of(String pathOrRepoId) {
        return new ComponentSource(pathOrRepoId);
    }

    public static ComponentSource of(Path folder) {
        return new ComponentSource(folder == null ? null : folder.toString());
    }

    @Override
    public String requirement() {
        return "a Sana-family folder (SanaPipeline, SanaSprintPipeline, SanaControlNetPipeline)";
    }
}
