package dev.sprint.core.io;

import dev.sprint.api.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A diffusers pipeline folder: {@code model_index.json} plus one sub-folder per component
 * ({@code transformer/}, {@code vae/}, {@code text_encoder/}, {@code tokenizer/}, {@code scheduler/}, ...).
 */
public final class ModelFolder {
    private final Path root;
    private final Config index;

    private ModelFolder(Path root, Config index) {
        this.root = root;
        this.index = index;
    }

    /** Opens a folder that has a {@code model_index.json}. */
    public static ModelFolder open(Path root) {
        if (!Files.isDirectory(root)) throw new ModelLoadException("model folder " + root + " does not exist");
        Path idx = root.resolve("model_index.json");
        if (!Files.isRegularFile(idx)) {
            throw new ModelLoadException(root + " is not a diffusers pipeline folder: no model_index.json");
        }
        return new ModelFolder(root, Config.read(idx));
    }

    public Path root() {
        return root;
    }

    public Config index() {
        return index;
    }

    /** {@code _class_name} of model_index.json, e.g. "SanaSprintPipeline". */
    public String pipelineClass() {
        return index.getString("_class_name");
    }

    /** Whether model_index.json lists the component with a non-null class. */
    public boolean declares(String component) {
        if (!index.has(component)) return false;
        List<String> v = index.getStringList(component);
        return v.size() == 2 && v.get(1) != null;
    }

    /** The component folder; an error naming it when it is missing. */
    public Path component(String name) {
        Path p = root.resolve(name);
        if (!Files.isDirectory(p)) {
            throw new ModelLoadException("missing component folder '" + name + "' in " + root);
        }
        return p;
    }

    /** {@code <component>/config.json} (or {@code scheduler_config.json} for schedulers). */
    public Config config(String component) {
        Path dir = component(component);
        Path cfg = dir.resolve("config.json");
        if (!Files.isRegularFile(cfg) && Files.isRegularFile(dir.resolve("scheduler_config.json"))) {
            cfg = dir.resolve("scheduler_config.json");
        }
        return Config.read(cfg);
    }

    /** The component's weights (single file, sharded set or lone variant file; see {@link Checkpoints}). */
    public WeightSource weights(String component) {
        return Checkpoints.open(component(component));
    }
}
