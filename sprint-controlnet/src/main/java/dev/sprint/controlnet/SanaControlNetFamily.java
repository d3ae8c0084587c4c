package dev.sprint.controlnet;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineOption;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.hub.ModelLocator;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.sana.SanaFamily;
import dev.sprint.core.spi.ModelFamily;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens {@code SanaControlNetPipeline} folders and any Sana folder with a {@link ControlNet} option, as core's
 * {@code SanaPipeline} with the ControlNet plugged in ({@link ControlNetConditioning}). Priority 10, so it
 * outranks core's Sana families when a ControlNet is set.
 *
 * <p>Component lookup: {@code controlnet/} comes from the {@link ControlNet} option (a
 * {@code SanaControlNetModel} folder, or a pipeline folder with {@code controlnet/}) or else from the model
 * folder; {@code text_encoder/}, {@code tokenizer/} and {@code vae/} from the model folder or, when it lacks
 * them (as the golden ControlNet folder does), from the {@link ComponentSource} option.
 */
public final class SanaControlNetFamily implements ModelFamily {
    private static final Set<String> SANA_CLASSES = Set.of("SanaPipeline", "SanaControlNetPipeline", "SanaSprintPipeline",
            "SanaSprintImg2ImgPipeline", "SanaPAGPipeline");

    @Override
    public String name() {
        return "sana-controlnet";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public Set<Class<? extends PipelineOption>> pipelineOptions() {
        return Set.of(ControlNet.class, ComponentSource.class, Lora.class);
    }

    @Override
    public boolean accepts(ModelFolder folder, PipelineSettings settings) {
        String cls = folder.pipelineClass();
        return cls.equals("SanaControlNetPipeline")
                || (settings.option(ControlNet.class).isPresent() && SANA_CLASSES.contains(cls));
    }

    /** The {@code controlnet/} component folder for these settings, or null for none. */
    static Path controlNetDir(ModelFolder folder, PipelineSettings settings) {
        ControlNet option = settings.option(ControlNet.class).orElse(null);
        if (option != null) {
            Path p = ModelLocator.resolve(option.folder());
            if (Files.isRegularFile(p.resolve("config.json"))) return p;
            if (Files.isDirectory(p.resolve("controlnet"))) return p.resolve("controlnet");
            throw new ModelLoadException("ControlNet " + p + " has neither config.json nor a controlnet/ folder");
        }
        return folder.declares("controlnet") ? folder.component("controlnet") : null;
    }

    @Override
    public Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        String cls = folder.pipelineClass();
        if (cls.startsWith("SanaSprint")) {
            throw new UnsupportedModelException("a ControlNet on a SANA-Sprint transformer is not supported: no Sprint"
                    + " ControlNet weights exist and diffusers' SanaControlNetModel has no guidance embedder; use a base"
                    + " Sana model (SanaPipeline) with it");
        }
        Path cnDir = controlNetDir(folder, settings);
        if (cls.equals("SanaControlNetPipeline") && cnDir == null) {
            throw new ModelLoadException(folder.root() + " is a SanaControlNetPipeline without a controlnet/ component");
        }
        if (cnDir == null) return SanaFamily.open(folder, settings, backend, null);
        folder.requireClass("controlnet", Set.of("SanaControlNetModel"));
        SanaControlNetConfig config = SanaControlNetConfig.from(Config.read(cnDir.resolve("config.json")));
        return SanaFamily.open(folder, settings, backend,
                parts -> new ControlNetConditioning(parts.load("controlnet", "denoise", be -> SanaControlNetModel.load(cnDir, be)), config));
    }
}
