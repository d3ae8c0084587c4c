package dev.sprint.core.io;

import static dev.sprint.core.io.SafetensorsBytes.entry;
import static dev.sprint.core.io.SafetensorsBytes.file;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.ModelLoadException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class CheckpointsTest {
    @TempDir
    Path tmp;

    /** A one-float tensor file per name, value = index + 1. */
    private static byte[] shard(String... names) {
        StringBuilder h = new StringBuilder("{");
        ByteBuffer d = ByteBuffer.allocate(4 * names.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < names.length; i++) {
            if (i > 0) h.append(',');
            h.append(entry(names[i], "F32", "[1]", 4L * i, 4L * i + 4));
            d.putFloat(i + 1);
        }
        return file(h.append('}').toString(), d.array());
    }

    private Path dir(String name) throws Exception {
        return Files.createDirectories(tmp.resolve(name));
    }

    /** Writes {@code file} holding the tensor {@code name}; then the folder must serve exactly that tensor from that file. */
    private static void addAndOpen(Path d, String file, String name) throws Exception {
        SafetensorsBytes.write(d, file, shard(name));
        try (WeightSource w = Checkpoints.open(d)) {
            assertEquals(Set.of(name), w.names());
            assertTrue(w.origin(name).endsWith(file), w.origin(name));
        }
    }

    @Test
    void singleFilesInPreferenceOrder() throws Exception {
        Path d = dir("single");
        addAndOpen(d, "model.safetensors", "m");
        addAndOpen(d, "diffusion_pytorch_model.safetensors", "d"); // preferred over model.safetensors
    }

    @Test
    void variantFileIsTheFallbackWhenAlone() throws Exception {
        Path d = dir("variant");
        addAndOpen(d, "diffusion_pytorch_model.fp16.safetensors", "v");
        SafetensorsBytes.write(d, "other.safetensors", shard("o"));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Checkpoints.open(d));
        assertTrue(e.getMessage().contains(d.toString()) && e.getMessage().contains("other.safetensors"), e.getMessage());
    }

    @Test
    void nothingFoundNamesTheFolderAndPickles() throws Exception {
        Path d = dir("pickles");
        Files.writeString(d.resolve("pytorch_model.bin"), "not really");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Checkpoints.open(d));
        assertTrue(e.getMessage().contains(d.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("pytorch_model.bin") && e.getMessage().contains("not supported"), e.getMessage());
        ModelLoadException missing = assertThrows(ModelLoadException.class, () -> Checkpoints.open(tmp.resolve("nope")));
        assertTrue(missing.getMessage().contains("nope"), missing.getMessage());
    }

    @Test
    void shardedSetOpensAndClosesAllShards() throws Exception {
        Path d = dir("sharded");
        SafetensorsBytes.write(d, "model-00001-of-00002.safetensors", shard("a", "b"));
        SafetensorsBytes.write(d, "model-00002-of-00002.safetensors", shard("c"));
        Files.writeString(d.resolve("model.safetensors.index.json"), """
                {"metadata": {"total_size": 12},
                 "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                                "c": "model-00002-of-00002.safetensors"}}""");
        WeightSource w = Checkpoints.open(d);
        ShardedCheckpoint s = assertInstanceOf(ShardedCheckpoint.class, w);
        assertEquals(Set.of("a", "b", "c"), w.names());
        assertArrayEquals(new float[] {2f}, w.get("b").toFloats());
        assertArrayEquals(new float[] {1f}, w.get("c").toFloats());
        assertTrue(w.origin("c").endsWith("model-00002-of-00002.safetensors"));
        assertEquals(2, s.shards().size());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> w.get("zzz"));
        assertTrue(e.getMessage().contains("zzz") && e.getMessage().contains("index.json"), e.getMessage());
        w.close();
        for (SafetensorsFile f : s.shards()) assertThrows(ModelLoadException.class, () -> f.get(f.names().iterator().next()));
    }

    @Test
    void diffusersIndexNameIsFound() throws Exception {
        Path d = dir("diffusers-sharded");
        SafetensorsBytes.write(d, "s1.safetensors", shard("x"));
        Files.writeString(d.resolve("diffusion_pytorch_model.safetensors.index.json"), "{\"weight_map\":{\"x\":\"s1.safetensors\"}}");
        try (WeightSource w = Checkpoints.open(d)) {
            assertEquals(Set.of("x"), w.names());
        }
    }

    /** index json, fragment of the expected message. Shards s1 = {a, b}, s2 = {c}, s3 = {b} exist in every case. */
    static Stream<Arguments> badIndexes() {
        return Stream.of(
                Arguments.of("missing_shard", "{\"weight_map\":{\"a\":\"s1.safetensors\",\"c\":\"gone.safetensors\"}}", "gone.safetensors"),
                Arguments.of("name_not_in_shard", "{\"weight_map\":{\"a\":\"s1.safetensors\",\"c\":\"s1.safetensors\"}}", "'c'"),
                Arguments.of("name_in_two_shards", "{\"weight_map\":{\"a\":\"s1.safetensors\",\"b\":\"s3.safetensors\"}}", "two shards"),
                Arguments.of("duplicate_key", "{\"weight_map\":{\"a\":\"s1.safetensors\",\"a\":\"s1.safetensors\"}}", "twice"),
                Arguments.of("traversal", "{\"weight_map\":{\"a\":\"../outside/s1.safetensors\"}}", "outside"),
                Arguments.of("absolute", "{\"weight_map\":{\"a\":\"/etc/passwd\"}}", "outside"),
                Arguments.of("folder_itself", "{\"weight_map\":{\"a\":\".\"}}", "outside"),
                Arguments.of("no_weight_map", "{\"metadata\":{}}", "no weight_map"),
                Arguments.of("empty_weight_map", "{\"weight_map\":{}}", "empty"),
                Arguments.of("weight_map_array", "{\"weight_map\":[]}", "not an object"),
                Arguments.of("value_not_string", "{\"weight_map\":{\"a\":1}}", "not a file name"),
                Arguments.of("not_json", "{weight_map:", "not valid JSON"),
                Arguments.of("array", "[]", "not a JSON object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badIndexes")
    void badIndexIsRejected(String name, String json, String fragment) throws Exception {
        Path d = dir(name);
        Files.createDirectories(tmp.resolve("outside"));
        SafetensorsBytes.write(tmp.resolve("outside"), "s1.safetensors", shard("a"));
        SafetensorsBytes.write(d, "s1.safetensors", shard("a", "b"));
        SafetensorsBytes.write(d, "s2.safetensors", shard("c"));
        SafetensorsBytes.write(d, "s3.safetensors", shard("b"));
        Path index = d.resolve("model.safetensors.index.json");
        Files.writeString(index, json);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> Checkpoints.open(d).close());
        assertTrue(e.getMessage().contains(index.toString()), () -> "should name the index: " + e.getMessage());
        assertTrue(e.getMessage().contains(fragment), () -> "should say '" + fragment + "': " + e.getMessage());
    }

    @Test
    void shardsMayBeSymlinksAsInTheHubCache() throws Exception {
        Path blobs = dir("blobs");
        Path blob = SafetensorsBytes.write(blobs, "0123abcd", shard("a"));
        Path d = dir("snapshot");
        Files.createSymbolicLink(d.resolve("s1.safetensors"), blob);
        Files.writeString(d.resolve("model.safetensors.index.json"), "{\"weight_map\":{\"a\":\"s1.safetensors\"}}");
        try (WeightSource w = Checkpoints.open(d)) {
            assertArrayEquals(new float[] {1f}, w.get("a").toFloats());
        }
    }
}
