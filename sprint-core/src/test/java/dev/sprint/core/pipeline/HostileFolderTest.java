package dev.sprint.core.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.SprintException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.spi.CorePipelineFactory;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import dev.sprint.core.testing.TestFolders;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile model folders (issue 16 items 1–2, the config and folder cases): each damaged copy of the tiny
 * SANA-Sprint folder must fail to open with the right {@link SprintException} type and a message naming the
 * file and the key or tensor — never load, never a JDK error. And the harmless oddities a real folder may
 * have (unknown keys, extra folders, unused null components) must open and generate.
 */
class HostileFolderTest {
    @TempDir
    Path tmp;

    private Path folder() {
        return TestFolders.copy(Golden.sana().resolve("model"), tmp.resolve("model"));
    }

    private static Pipeline open(Path dir) {
        return CorePipelineFactory.open(Pipeline.builder().model(dir).settings(), new ReferenceBackend());
    }

    private static Consumer<Path> json(String file, Consumer<JsonObject> edit) {
        return dir -> TestFolders.editJson(dir.resolve(file), edit);
    }

    private static Consumer<Path> text(String file, String from, String to) {
        return dir -> TestFolders.editText(dir.resolve(file), s -> {
            assertTrue(s.contains(from), file + " has no '" + from + "'");
            return s.replace(from, to);
        });
    }

    private static Consumer<Path> set(String file, String key, Object value) {
        return json(file, o -> {
            if (value instanceof Number n) o.add(key, new JsonPrimitive(n));
            else if (value instanceof String s) o.add(key, new JsonPrimitive(s));
            else if (value == null) o.add(key, JsonNull.INSTANCE);
            else o.add(key, (com.google.gson.JsonElement) value);
        });
    }

    private static JsonArray array(Object... v) {
        JsonArray a = new JsonArray();
        for (Object x : v) {
            if (x == null) a.add(JsonNull.INSTANCE);
            else if (x instanceof Number n) a.add(n);
            else a.add((String) x);
        }
        return a;
    }

    /** name, damage, expected type, fragments the message must contain (file and key/tensor). */
    static Stream<Arguments> cases() {
        String tr = "transformer/config.json";
        String vae = "vae/config.json";
        String te = "text_encoder/config.json";
        String sch = "scheduler/scheduler_config.json";
        return Stream.of(
                Arguments.of("num_layers as a list", set(tr, "num_layers", array(2)), ModelLoadException.class, tr, "num_layers"),
                Arguments.of("num_layers as a string", set(tr, "num_layers", "2"), ModelLoadException.class, tr, "num_layers"),
                Arguments.of("unquoted key", text(tr, "\"num_layers\"", "num_layers"), ModelLoadException.class, tr, "malformed"),
                Arguments.of("trailing garbage", text(tr, "\n}", "\n} x"), ModelLoadException.class, tr, "malformed"),
                Arguments.of("comment", text(tr, "{", "{ // c\n"), ModelLoadException.class, tr, "malformed"),
                Arguments.of("transformer [null, null]", set("model_index.json", "transformer", array(null, null)),
                        ModelLoadException.class, "model_index.json", "transformer"),
                Arguments.of("transformer of another class", set("model_index.json", "transformer",
                        array("diffusers", "SD3Transformer2DModel")), UnsupportedModelException.class, "model_index.json", "transformer"),
                Arguments.of("sigma_data 0", set(sch, "sigma_data", 0), ModelLoadException.class, sch, "sigma_data"),
                Arguments.of("sigma_data negative", set(sch, "sigma_data", -0.5), ModelLoadException.class, sch, "sigma_data"),
                Arguments.of("sigma_data 1e300", set(sch, "sigma_data", 1e300), ModelLoadException.class, sch, "sigma_data"),
                Arguments.of("scaling_factor 0", set(vae, "scaling_factor", 0), ModelLoadException.class, vae, "scaling_factor"),
                Arguments.of("scaling_factor negative", set(vae, "scaling_factor", -0.4), ModelLoadException.class, vae, "scaling_factor"),
                Arguments.of("norm_eps -1", set(tr, "norm_eps", -1), ModelLoadException.class, tr, "norm_eps"),
                Arguments.of("Gemma attn_logit_softcapping 0", set(te, "attn_logit_softcapping", 0), ModelLoadException.class, te,
                        "attn_logit_softcapping"),
                Arguments.of("Gemma rms_norm_eps -1", set(te, "rms_norm_eps", -1), ModelLoadException.class, te, "rms_norm_eps"),
                Arguments.of("num_layers 1e9", set(tr, "num_layers", 1_000_000_000), ModelLoadException.class, tr, "num_layers"),
                Arguments.of("num_layers 1e9 as an exponent", text(tr, "\"num_layers\": 2", "\"num_layers\": 1e9"),
                        ModelLoadException.class, tr, "num_layers"),
                Arguments.of("num_hidden_layers 1e9", set(te, "num_hidden_layers", 1_000_000_000), ModelLoadException.class, te,
                        "num_hidden_layers"),
                Arguments.of("num_layers -1", set(tr, "num_layers", -1), ModelLoadException.class, tr, "num_layers"),
                Arguments.of("negative heads", set(tr, "num_attention_heads", -4), ModelLoadException.class, tr, "num_attention_heads"),
                Arguments.of("Gemma negative kv heads", set(te, "num_key_value_heads", -2), ModelLoadException.class, te,
                        "num_key_value_heads"),
                Arguments.of("decoder_layers_per_block too short", set(vae, "decoder_layers_per_block", array(1, 1, 1)),
                        ModelLoadException.class, vae, "decoder_layers_per_block"),
                Arguments.of("decoder_block_types too short", set(vae, "decoder_block_types", array("ResBlock", "ResBlock")),
                        ModelLoadException.class, vae, "decoder_block_types"),
                Arguments.of("qkv multiscales of another length", set(vae, "decoder_qkv_multiscales", array()),
                        ModelLoadException.class, vae, "decoder_qkv_multiscales"),
                Arguments.of("nesting 5000 deep", text(tr, "\"dropout\": 0.0", "\"dropout\": " + "[".repeat(5000) + "]".repeat(5000)),
                        ModelLoadException.class, tr, "nested"),
                Arguments.of("3 GB config.json", (Consumer<Path>) dir -> sparse(dir.resolve(tr), 3L << 30), ModelLoadException.class,
                        tr, "bytes"),
                Arguments.of("I32 weight", (Consumer<Path>) dir -> TestFolders.editSafetensors(
                        dir.resolve("transformer/diffusion_pytorch_model.safetensors"), m -> retype(m, "proj_out.weight", DType.I32)),
                        ModelLoadException.class, "diffusion_pytorch_model.safetensors", "proj_out.weight"),
                Arguments.of("missing tensor", (Consumer<Path>) dir -> TestFolders.editSafetensors(
                        dir.resolve("vae/diffusion_pytorch_model.safetensors"), m -> drop(m, "decoder.norm_out.bias")),
                        ModelLoadException.class, "vae", "decoder.norm_out.bias"),
                Arguments.of("unexpected tensor", (Consumer<Path>) dir -> TestFolders.editSafetensors(
                        dir.resolve("transformer/diffusion_pytorch_model.safetensors"), m -> add(m, "extra_block.weight")),
                        ModelLoadException.class, "transformer", "extra_block.weight"),
                Arguments.of("no scheduler", (Consumer<Path>) dir -> delete(dir.resolve(sch)), ModelLoadException.class,
                        "scheduler", "config"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void hostileFolderIsAClearError(String name, Consumer<Path> damage, Class<? extends SprintException> type, String file,
                                    String key) {
        Path dir = folder();
        damage.accept(dir);
        SprintException e = assertThrows(SprintException.class, () -> open(dir).close(), name);
        assertEquals(type, e.getClass(), name + ": " + e);
        assertTrue(e.getMessage().contains(file), name + ": the message names the file: " + e.getMessage());
        assertTrue(e.getMessage().contains(key), name + ": the message names the key: " + e.getMessage());
        assertTrue(e.getMessage().length() < 2000, name + ": the message is bounded");
    }

    @Test
    void harmlessOdditiesOpenAndGenerate() {
        Path dir = folder();
        set("transformer/config.json", "some_future_key", array("a", 1)).accept(dir);
        set("vae/config.json", "_name_or_path", "/somewhere/else").accept(dir);
        set("text_encoder/config.json", "unknown_block", new JsonObject()).accept(dir);
        set("scheduler/scheduler_config.json", "timestep_spacing", "linspace").accept(dir);
        set("model_index.json", "feature_extractor", array(null, null)).accept(dir);
        set("model_index.json", "_name_or_path", "someone/model").accept(dir);
        try {
            Files.createDirectories(dir.resolve("unused_component/sub"));
            Files.writeString(dir.resolve("README.md"), "# notes");
            Files.createDirectories(dir.resolve("transformer/.cache"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        try (Pipeline p = open(dir)) {
            assertEquals(64, p.generate(GenerationRequest.builder().prompt("a cat").steps(1).seed(1).size(64, 32)
                    .resolutionBinning(false).build()).image().width());
        }
    }

    private static void sparse(Path file, long size) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.delete(file);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Map<String, HostTensor> retype(Map<String, HostTensor> m, String name, DType type) {
        Map<String, HostTensor> out = new LinkedHashMap<>(m);
        HostTensor h = m.get(name);
        out.put(name, new HostTensor(type, h.shape(), h.data()));
        return out;
    }

    private static Map<String, HostTensor> drop(Map<String, HostTensor> m, String name) {
        Map<String, HostTensor> out = new LinkedHashMap<>(m);
        assertTrue(out.remove(name) != null, name);
        return out;
    }

    private static Map<String, HostTensor> add(Map<String, HostTensor> m, String name) {
        Map<String, HostTensor> out = new LinkedHashMap<>(m);
        out.put(name, HostTensor.ofFloats(new float[] {1, 2}, 2));
        return out;
    }
}
