package dev.sprint.core.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.core.io.Checkpoints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Which files of a repo Sprint needs, decided the way its loaders read a folder:
 * <ul>
 *   <li>a pipeline repo ({@code model_index.json}): every component it declares with a class, and in each
 *       component folder its configs and tokenizer files ({@code *.json}, {@code *.txt}, {@code *.model}) plus
 *       the weights {@link Checkpoints} would open ({@code diffusion_pytorch_model.safetensors},
 *       {@code model.safetensors}, else a sharded set through its index json — the index and exactly the
 *       shards it names —, else a lone {@code .safetensors} or index); never {@code .bin}/{@code .pth}/
 *       {@code .onnx} duplicates, other variants, or files outside the components (single-file checkpoints);</li>
 *   <li>an adapter repo ({@code adapter_config.json}, e.g. SwD's LoRA): the config and {@code adapter_model.safetensors};</li>
 *   <li>a model repo ({@code config.json} at the root, e.g. a ControlNet): the same rule as one component;</li>
 *   <li>a diffusers LoRA repo ({@code pytorch_lora_weights.safetensors} at the root, what {@code save_lora_weights}
 *       writes): that file;</li>
 *   <li>else each top-level folder holding a {@code config.json} or {@code adapter_config.json}.</li>
 * </ul>
 * The same rules tell whether a cached snapshot is complete.
 */
final class RepoLayout {
    /** diffusers' {@code LORA_WEIGHT_NAME_SAFE}: the file of a LoRA repo saved with {@code save_lora_weights}. */
    private static final String LORA_WEIGHTS = "pytorch_lora_weights.safetensors";
    private static final Set<String> META_EXT = Set.of("json", "txt", "model", "tiktoken");
    private static final Set<String> WEIGHT_EXT = Set.of("safetensors", "bin", "pt", "pth", "ckpt", "onnx", "onnx_data",
            "msgpack", "h5", "pb", "gguf", "pkl", "npz", "ot", "tflite");
    private static final List<String> SINGLE_WEIGHTS = List.of("diffusion_pytorch_model.safetensors", "model.safetensors",
            "adapter_model.safetensors");

    /**
     * @param files    the files to download, in a stable order
     * @param notes    things worth a warning that do not stop a download (a declared component the repo lacks)
     * @param problems reasons the repo (or snapshot) cannot give Sprint a loadable model
     * @param absent   components model_index.json declares that have no folder (recorded in {@code .no_exist/})
     */
    record Plan(List<String> files, List<String> notes, List<String> problems, List<String> absent) {}

    private final Set<String> all;
    private final Function<String, String> reader;
    private final Set<String> selected = new LinkedHashSet<>();
    private final List<String> notes = new ArrayList<>();
    private final List<String> problems = new ArrayList<>();
    private final List<String> absent = new ArrayList<>();

    private RepoLayout(Collection<String> files, Function<String, String> reader) {
        this.all = new TreeSet<>(files);
        this.reader = reader;
    }

    /** Plans a download from the repo's file list; {@code reader} returns the text of a (small) repo file. */
    static Plan select(Collection<String> repoFiles, Function<String, String> reader) {
        RepoLayout l = new RepoLayout(repoFiles, reader);
        l.plan();
        return new Plan(List.copyOf(l.selected), List.copyOf(l.notes), List.copyOf(l.problems), List.copyOf(l.absent));
    }

    /**
     * What a cached snapshot lacks for Sprint to load it (empty when complete): a missing declared component
     * (unless {@code .no_exist/<commit>/<component>} records that the repo has none), a component without
     * weights, a shard its index names that is not there. Dangling links count as missing.
     */
    static List<String> missing(Path snapshot) {
        List<String> files = new ArrayList<>();
        List<String> dangling = new ArrayList<>();
        try (Stream<Path> s = Files.walk(snapshot, FileVisitOption.FOLLOW_LINKS)) {
            s.forEach(p -> {
                String rel = snapshot.relativize(p).toString().replace('\\', '/');
                if (Files.isRegularFile(p)) files.add(rel);
                else if (Files.isSymbolicLink(p)) dangling.add(rel + " (a link whose blob is gone)");
            });
        } catch (IOException | java.io.UncheckedIOException e) {
            return List.of("cannot list " + snapshot + ": " + e.getMessage());
        }
        Plan p = select(files, path -> {
            try {
                return Files.readString(snapshot.resolve(path), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        List<String> out = new ArrayList<>(dangling);
        out.addAll(p.problems());
        Path noExist = snapshot.getParent().getParent().resolve(".no_exist").resolve(snapshot.getFileName().toString());
        for (String c : p.absent()) {
            if (!Files.exists(noExist.resolve(c))) out.add("model_index.json declares '" + c + "' but there is no " + c + "/ folder");
        }
        return out;
    }

    private void plan() {
        if (all.contains("model_index.json")) {
            pipeline();
        } else if (all.contains("adapter_config.json") || all.contains("config.json")) {
            folder("");
        } else if (all.contains(LORA_WEIGHTS)) {
            selected.add(LORA_WEIGHTS);
        } else {
            List<String> dirs = all.stream().filter(f -> f.indexOf('/') > 0)
                    .map(f -> f.substring(0, f.indexOf('/'))).distinct()
                    .filter(d -> all.contains(d + "/config.json") || all.contains(d + "/adapter_config.json")).toList();
            for (String d : dirs) folder(d);
            if (dirs.isEmpty()) {
                problems.add("it has no model_index.json (a diffusers pipeline), adapter_config.json (an adapter) or"
                        + " config.json (a model)");
            }
        }
    }

    private void pipeline() {
        selected.add("model_index.json");
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(reader.apply("model_index.json"));
        } catch (RuntimeException e) {
            if (e instanceof dev.sprint.api.SprintException se) throw se;
            problems.add("model_index.json is not valid JSON: " + e.getMessage());
            return;
        }
        if (!parsed.isJsonObject()) {
            problems.add("model_index.json is not a JSON object");
            return;
        }
        JsonObject idx = parsed.getAsJsonObject();
        for (Map.Entry<String, JsonElement> en : idx.entrySet()) {
            String name = en.getKey();
            JsonElement v = en.getValue();
            if (name.startsWith("_") || !v.isJsonArray() || v.getAsJsonArray().size() != 2) continue;
            if (v.getAsJsonArray().get(1).isJsonNull()) continue; // e.g. "image_encoder": [null, null]
            if (!name.matches("[A-Za-z0-9_.-]+") || name.equals(".") || name.equals("..")) {
                problems.add("model_index.json names the component '" + name + "', which is not a folder name");
                continue;
            }
            if (children(name).isEmpty()) {
                notes.add("model_index.json declares '" + name + "' but there is no " + name + "/ folder");
                absent.add(name);
                continue;
            }
            folder(name);
        }
    }

    /** Direct file children of a folder ("" = the root), by name. */
    private List<String> children(String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        List<String> out = new ArrayList<>();
        for (String f : all) {
            if (f.startsWith(prefix) && f.indexOf('/', prefix.length()) < 0 && f.length() > prefix.length()) {
                out.add(f.substring(prefix.length()));
            }
        }
        return out;
    }

    private static String ext(String name) {
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private void folder(String dir) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        String where = dir.isEmpty() ? "the repo root" : dir + "/";
        List<String> kids = children(dir);
        for (String k : kids) {
            if (META_EXT.contains(ext(k)) && !k.endsWith(".index.json")) selected.add(prefix + k);
        }
        if (kids.stream().noneMatch(k -> k.endsWith(".json"))) {
            problems.add(where + " has no config file (*.json)");
        }
        List<String> weights = weights(dir, kids);
        boolean needsWeights = kids.contains("config.json") || kids.contains("adapter_config.json");
        if (weights == null) return; // ambiguous: a problem was recorded
        if (!weights.isEmpty() && !needsWeights) {
            problems.add(where + " has weights but no config.json");
        }
        if (weights.isEmpty() && needsWeights) {
            List<String> others = kids.stream().filter(k -> WEIGHT_EXT.contains(ext(k))).toList();
            problems.add(where + " has no safetensors weights" + (others.isEmpty() ? "" : " (it holds " + String.join(", ", others)
                    + "; Sprint loads safetensors only: .bin/.pt/.ckpt are pickles, and loading them can run code)"));
        }
        weights.forEach(w -> selected.add(prefix + w));
    }

    /** The weight files of one folder as {@link Checkpoints#open} chooses them; null when ambiguous. */
    private List<String> weights(String dir, List<String> kids) {
        for (String s : SINGLE_WEIGHTS) {
            if (kids.contains(s)) return List.of(s);
        }
        for (String ix : Checkpoints.INDEX_FILES) {
            if (kids.contains(ix)) return sharded(dir, ix);
        }
        List<String> indexes = kids.stream().filter(k -> k.endsWith(".safetensors.index.json")).toList();
        List<String> singles = kids.stream().filter(k -> k.endsWith(".safetensors")).toList();
        if (indexes.size() == 1) return sharded(dir, indexes.get(0));
        if (indexes.isEmpty() && singles.size() == 1) return singles;
        if (indexes.size() > 1 || singles.size() > 1) {
            List<String> both = new ArrayList<>(indexes);
            both.addAll(singles);
            problems.add((dir.isEmpty() ? "the repo root" : dir + "/") + " holds several checkpoints (" + String.join(", ", both)
                    + ") and none of " + SINGLE_WEIGHTS + " / " + Checkpoints.INDEX_FILES + ": choose with --include");
            return null;
        }
        return List.of();
    }

    /** The index json plus every shard its {@code weight_map} names (each must be in the repo). */
    private List<String> sharded(String dir, String index) {
        String prefix = dir.isEmpty() ? "" : dir + "/";
        List<String> out = new ArrayList<>();
        out.add(index);
        JsonElement parsed;
        try {
            parsed = JsonParser.parseString(reader.apply(prefix + index));
        } catch (RuntimeException e) {
            if (e instanceof dev.sprint.api.SprintException se) throw se;
            problems.add(prefix + index + " is not a safetensors index (" + e.getMessage() + ")");
            return out;
        }
        JsonElement weightMap = parsed.isJsonObject() ? parsed.getAsJsonObject().get("weight_map") : null;
        if (weightMap == null || !weightMap.isJsonObject()) {
            problems.add(prefix + index + " is not a safetensors index (no weight_map object)");
            return out;
        }
        JsonObject map = weightMap.getAsJsonObject();
        Set<String> shards = new TreeSet<>();
        for (Map.Entry<String, JsonElement> en : map.entrySet()) {
            if (en.getValue().isJsonPrimitive()) shards.add(en.getValue().getAsString());
        }
        for (String s : shards) {
            if (s.isEmpty() || s.contains("/") || s.contains("\\") || s.equals("..") || s.equals(".")) {
                problems.add(prefix + index + " names the shard '" + s + "', which is not a file name in its folder");
            } else if (!all.contains(prefix + s)) {
                problems.add(prefix + index + " names the shard " + s + ", which is missing");
            } else {
                out.add(s);
            }
        }
        return out;
    }
}
