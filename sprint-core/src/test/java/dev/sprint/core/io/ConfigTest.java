package dev.sprint.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigTest {
    @TempDir
    Path tmp;

    private static final String JSON = """
            {"num_layers": 2, "eps": 1e-6, "flag": true, "name": "SanaTransformer2DModel",
             "sizes": [1, 2, 3], "scales": [0.5, 1], "half": 2.5, "big": 3000000000, "nothing": null,
             "pair": ["diffusers", "AutoencoderDC"], "nested": {"k": 4}, "text": "7", "unknown_extra": {"x": 1}}""";

    private Config config() throws Exception {
        Path p = tmp.resolve("config.json");
        Files.writeString(p, JSON);
        return Config.read(p);
    }

    @Test
    void typedGetters() throws Exception {
        Config c = config();
        assertEquals(2, c.getInt("num_layers"));
        assertEquals(1e-6, c.getDouble("eps"));
        assertTrue(c.getBoolean("flag"));
        assertEquals("SanaTransformer2DModel", c.getString("name"));
        assertArrayEquals(new int[] {1, 2, 3}, c.getIntArray("sizes"));
        assertArrayEquals(new double[] {0.5, 1}, c.getDoubleArray("scales"));
        assertEquals(List.of("diffusers", "AutoencoderDC"), c.getStringList("pair"));
        assertEquals(4, c.getObject("nested").getInt("k"));
        assertEquals(9, c.getInt("absent", 9));
        assertEquals(9, c.getInt("nothing", 9), "null counts as absent");
        assertFalse(c.has("nothing"));
    }

    /** getter, key, fragment of the message. */
    static Stream<Arguments> wrongTypes() {
        return Stream.of(
                Arguments.of((Consumer<Config>) c -> c.getInt("missing_key"), "missing_key", "missing required key"),
                Arguments.of((Consumer<Config>) c -> c.getString("also_missing"), "also_missing", "missing required key"),
                Arguments.of((Consumer<Config>) c -> c.getInt("half"), "half", "integer"),
                Arguments.of((Consumer<Config>) c -> c.getInt("big"), "big", "integer"),
                Arguments.of((Consumer<Config>) c -> c.getInt("name"), "name", "integer"),
                Arguments.of((Consumer<Config>) c -> c.getInt("sizes"), "sizes", "integer"),
                Arguments.of((Consumer<Config>) c -> c.getDouble("flag"), "flag", "number"),
                Arguments.of((Consumer<Config>) c -> c.getBoolean("name"), "name", "true or false"),
                Arguments.of((Consumer<Config>) c -> c.getString("num_layers"), "num_layers", "string"),
                Arguments.of((Consumer<Config>) c -> c.getIntArray("num_layers"), "num_layers", "array"),
                Arguments.of((Consumer<Config>) c -> c.getIntArray("pair"), "pair", "integers"),
                Arguments.of((Consumer<Config>) c -> c.getObject("sizes"), "sizes", "object"),
                Arguments.of((Consumer<Config>) c -> c.getStringList("nested"), "nested", "string"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("wrongTypes")
    void errorsNameKeyAndFile(Consumer<Config> getter, String key, String fragment) throws Exception {
        Config c = config();
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> getter.accept(c));
        assertTrue(e.getMessage().contains("'" + key + "'"), e.getMessage());
        assertTrue(e.getMessage().contains(tmp.resolve("config.json").toString()), e.getMessage());
        assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }

    @Test
    void unreadableFiles() throws Exception {
        Path missing = tmp.resolve("missing.json");
        assertTrue(assertThrows(ModelLoadException.class, () -> Config.read(missing)).getMessage().contains("missing.json"));
        for (String bad : List.of("{\"a\": ", "[1, 2]", "")) {
            Path p = tmp.resolve("bad.json");
            Files.writeString(p, bad);
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> Config.read(p), bad);
            assertTrue(e.getMessage().contains("bad.json"), e.getMessage());
        }
    }

    @Test
    void goldenFolderConfigs() {
        ModelFolder m = ModelFolder.open(Golden.sana().resolve("model"));
        assertEquals("SanaSprintPipeline", m.pipelineClass());
        assertTrue(m.declares("transformer"));
        assertEquals(2, m.config("transformer").getInt("num_layers"));
        assertTrue(m.config("scheduler").origin().endsWith("scheduler_config.json"));
        try (WeightSource w = m.weights("transformer")) {
            assertTrue(w.names().contains("caption_norm.weight"), w.names().toString());
        }
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> m.component("nope"));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        // found by ConfigFuzzTest: a model_index key with a lone surrogate reached Path.resolve (InvalidPathException)
        for (String name : List.of("sche\uD800Aduler", "a\u0000b", "../vae", "vae/..", "/etc", "..", "", "transformer ")) {
            assertFalse(m.hasFolder(name), name);
            assertThrows(ModelLoadException.class, () -> m.component(name), name);
        }
        assertArrayEquals(new int[] {8, 8, 16, 16, 32, 32}, m.config("vae").getIntArray("decoder_block_out_channels"));
    }
}
