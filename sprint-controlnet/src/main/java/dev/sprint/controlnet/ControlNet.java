package dev.sprint.controlnet;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.PipelineOption;
import java.nio.file.Path;

/**
 * A Sana ControlNet for a base Sana folder: {@code Pipeline.builder().model(sana).with(ControlNet.of(dir))}.
 * The folder is a {@code SanaControlNetModel} component ({@code config.json} + safetensors) or a pipeline
 * folder with a {@code controlnet/} sub-folder; a repo id is looked up in the Hugging Face cache.
 *
 * @param folder path or repo id
 */
public record ControlNet(String folder) implements PipelineOption {
    public ControlNet {
        if (folder == null || folder.isBlank()) throw new InvalidRequestException("the ControlNet folder is null or blank");
    }

    public static ControlNet of(String pathOrRepoId) {
        return new ControlNet(pathOrRepoId);
    }

    public static ControlNet of(Path folder) {
        return new ControlNet(folder == null ? null : folder.toString());
    }

    @Override
    public String requirement() {
        return "a base Sana folder (SanaPipeline / SanaControlNetPipeline) and dev.sprint:sprint-controlnet";
    }
}
