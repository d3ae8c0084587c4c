package dev.sprint.core.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.sprint.api.ModelLoadException;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorData;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A checkpoint split over several safetensors files, described by a Hugging Face index
 * ({@code model.safetensors.index.json} / {@code diffusion_pytorch_model.safetensors.index.json}):
 * <pre>{"metadata": {...}, "weight_map": {"tensor.name": "model-00001-of-00002.safetensors", ...}}</pre>
 * Validated when opened: shard names stay inside the index's folder (no absolute paths, no {@code ..}),
 * every shard exists, every indexed tensor is in the shard the index names, and no tensor is in two
 * shards. Tensors a shard holds beyond the index are served too (the model's unused-weight check then
 * reports them). Closing closes every shard.
 */
public final class ShardedCheckpoint implements WeightSource {
    private final Path index;
    private final List<SafetensorsFile> shards;
    private final Map<String, SafetensorsFile> byName;

    private ShardedCheckpoint(Path index, List<SafetensorsFile> shards, Map<String, SafetensorsFile> byName) {
        this.index = index;
        this.shards = shards;
        this.byName = byName;
    }

    /** Opens the index file and all shards it names (in the index's folder). */
    public static ShardedCheckpoint open(Path indexFile) {
        Map<String, String> weightMap = readWeightMap(indexFile);
        Path dir = indexFile.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> shardByFile = new LinkedHashMap<>();
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            for (String file : new java.util.LinkedHashSet<>(weightMap.values())) {
                Path shard = shardPath(indexFile, dir, file);
                if (!Files.isRegularFile(shard)) {
                    throw new ModelLoadException("shard '" + file + "' named by " + indexFile + " does not exist");
                }
                SafetensorsFile f = SafetensorsFile.open(shard);
                opened.add(f);
                shardByFile.put(file, f);
            }
            Map<String, SafetensorsFile> byName = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                SafetensorsFile f = shardByFile.get(e.getValue());
                if (!f.names().contains(e.getKey())) {
                    throw new ModelLoadException("tensor '" + e.getKey() + "' is indexed in " + indexFile
                            + " as being in " + f.path() + ", which does not contain it");
                }
                byName.put(e.getKey(), f);
            }
            for (SafetensorsFile f : opened) {
                for (String n : f.names()) {
                    SafetensorsFile other = byName.putIfAbsent(n, f);
                    if (other != null && other != f) {
                        throw new ModelLoadException("tensor '" + n + "' is in two shards of " + indexFile + ": "
                                + other.path() + " and " + f.path());
                    }
                }
            }
            return new ShardedCheckpoint(indexFile, List.copyOf(opened), Collections.unmodifiableMap(byName));
        } catch (RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    /** A shard file name from the index, resolved lexically inside the folder (symlinks, as in the HF cache, are fine). */
    private static Path shardPath(Path indexFile, Path dir, String file) {
        Path rel;
        try {
            rel = Path.of(file);
        } catch (RuntimeException e) {
            throw new ModelLoadException("shard name '" + file + "' in " + indexFile + " is not a valid file name");
        }
        Path resolved = dir.resolve(rel).normalize();
        if (file.isEmpty() || rel.isAbsolute() || file.contains("\\") || !resolved.startsWith(dir.normalize())
                || resolved.equals(dir.normalize())) {
            throw new ModelLoadException("shard name '" + file + "' in " + indexFile
                    + " points outside its folder; shards must be files next to the index");
        }
        return resolved;
    }

    /** Largest index json accepted. */
    static final long MAX_INDEX_BYTES = 64L << 20;

    /** The weight_map of an index, read strictly (duplicate names are an error, not silently merged). */
    static Map<String, String> readWeightMap(Path indexFile) {
        if (!Files.isRegularFile(indexFile)) throw new ModelLoadException("missing checkpoint index " + indexFile);
        try {
            long size = Files.size(indexFile);
            // real indexes are ~100 KB (one line per tensor); a bound keeps a hostile one from exhausting memory
            if (size > MAX_INDEX_BYTES) {
                throw badIndex(indexFile, "the file is " + size + " bytes, more than the " + MAX_INDEX_BYTES + " an index may have");
            }
        } catch (IOException e) {
            throw badIndex(indexFile, "cannot read it: " + e.getMessage());
        }
        Map<String, String> map = null;
        try (Reader in = Files.newBufferedReader(indexFile, StandardCharsets.UTF_8)) {
            JsonReader r = new JsonReader(in);
            r.setStrictness(Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) throw badIndex(indexFile, "not a JSON object");
            r.beginObject();
            while (r.hasNext()) {
                String key = r.nextName();
                if (!key.equals("weight_map")) {
                    r.skipValue();
                    continue;
                }
                if (map != null) throw badIndex(indexFile, "two weight_map entries");
                if (r.peek() != JsonToken.BEGIN_OBJECT) throw badIndex(indexFile, "weight_map is not an object");
                map = new LinkedHashMap<>();
                r.beginObject();
                while (r.hasNext()) {
                    String name = r.nextName();
                    if (r.peek() != JsonToken.STRING) {
                        throw badIndex(indexFile, "weight_map value of '" + name + "' is not a file name string");
                    }
                    String file = r.nextString();
                    if (map.put(name, file) != null) {
                        throw badIndex(indexFile, "tensor '" + name + "' appears twice in weight_map");
                    }
                }
                r.endObject();
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) throw badIndex(indexFile, "data after the JSON object");
        } catch (IOException | IllegalStateException e) {
            throw badIndex(indexFile, "not valid JSON: " + e.getMessage());
        }
        if (map == null) throw badIndex(indexFile, "no weight_map");
        if (map.isEmpty()) throw badIndex(indexFile, "weight_map is empty");
        return map;
    }

    private static ModelLoadException badIndex(Path file, String why) {
        return new ModelLoadException("malformed checkpoint index " + file + ": " + why);
    }

    /** The index file. */
    public Path index() {
        return index;
    }

    /** The shards, in index order. */
    public List<SafetensorsFile> shards() {
        return shards;
    }

    @Override
    public Set<String> names() {
        return byName.keySet();
    }

    @Override
    public HostTensor get(String name) {
        SafetensorsFile f = byName.get(name);
        if (f == null) throw new ModelLoadException("no tensor '" + name + "' in the checkpoint indexed by " + index);
        return f.get(name);
    }

    @Override
    public TensorData data(String name, long[] expectedShape) {
        SafetensorsFile f = byName.get(name);
        if (f == null) throw new ModelLoadException("no tensor '" + name + "' in the checkpoint indexed by " + index);
        return f.data(name, expectedShape);
    }

    @Override
    public String origin(String name) {
        SafetensorsFile f = byName.get(name);
        return f == null ? index.toString() : f.path().toString();
    }

    @Override
    public void close() {
        for (SafetensorsFile f : shards) f.close();
    }
}
