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

    /** Whether model_index.json lists the component with a library and class ({@code [null, null]} = not part of it). */
    public boolean declares(String component) {
        return declaredClass(component) != null;
    }

    /**
     * The class model_index.json gives a component ({@code ["diffusers", "AutoencoderDC"]} → "AutoencoderDC"),
     * or null when the component is absent or listed as {@code [null, null]}; any other shape is an error.
     */
    public String declaredClass(String component) {
        if (!index.has(component) || component.startsWith("_")) return null;
        List<String> v = index.getStringList(component);
        boolean nulls = v.size() == 2 && v.get(0) == null && v.get(1) == null;
        if (nulls) return null;
        if (v.size() != 2 || v.get(0) == null || v.get(1) == null) {
            throw new ModelLoadException("model_index.json of " + root + " lists '" + component
                    + "' as something other than [library, class] or [null, null]");
        }
        return v.get(1);
    }

    /**
     * The component folder; an error naming it when it is missing, or when model_index.json says the
     * pipeline has no such component ({@code [null, null]}).
     */
    public Path component(String name) {
        if (index.isNull(name) || (index.has(name) && declaredClass(name) == null)) {
            throw new ModelLoadException("model_index.json of " + root + " lists '" + name + "' as [null, null] (no such"
                    + " component), but this pipeline needs it");
        }
        if (!isComponentName(name)) {
            throw new ModelLoadException("'" + (name.length() > 40 ? name.substring(0, 40) + "…" : name) + "' is not a component"
                    + " folder name of " + root);
        }
        Path p = root.resolve(name);
        if (!Files.isDirectory(p)) {
            throw new ModelLoadException("missing component folder '" + name + "' in " + root);
        }
        return p;
    }

    /**
     * Fails with an {@link dev.sprint.api.UnsupportedModelException} when model_index.json declares the component
     * with another class than one of {@code accepted} (a component it does not declare passes).
     */
    public void requireClass(String component, java.util.Set<String> accepted) {
        String declared = declaredClass(component);
        if (declared != null && !accepted.contains(declared)) {
            throw new dev.sprint.api.UnsupportedModelException("model_index.json of " + root + " declares " + component
                    + " as " + declared + "; this pipeline implements " + accepted);
        }
    }

    /** Whether the folder has the component's sub-folder (a component may come from another folder). */
    public boolean hasFolder(String name) {
        return isComponentName(name) && Files.isDirectory(root.resolve(name));
    }

    /**
     * Whether a name (a key of model_index.json, a pipeline attribute in diffusers) can be a component folder:
     * one plain path segment. Anything else (separators, {@code ..}, characters a file system cannot hold) is
     * never resolved against the folder.
     */
    static boolean isComponentName(String name) {
        return !name.isEmpty() && name.length() <= 255 && !name.equals(".") && !name.equals("..")
                && name.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.'));
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
