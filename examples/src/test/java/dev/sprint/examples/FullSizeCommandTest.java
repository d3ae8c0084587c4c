package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** write-fullsize: a manifest becomes a loadable folder with the manifest's names, shapes, dtypes, files and index. */
class FullSizeCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesTheManifestsLayout() throws Exception {
        Path m = tmp.resolve("manifest");
        Files.createDirectories(m.resolve("text_encoder"));
        Files.writeString(m.resolve("model_index.json"), "{\"_class_name\":\"X\"}");
        Files.writeString(m.resolve("text_encoder/config.json"), "{\"hidden_size\":8}");
        Files.writeString(m.resolve("text_encoder/tensors.json"), """
                {"dtype": "BF16", "index": "model.safetensors.index.json", "files": {
                  "model-00001-of-00002.safetensors": {"a.weight": [64, 32], "a.bias": [64]},
                  "model-00002-of-00002.safetensors": {"norm.weight": [32]}}}""");
        Path out = tmp.resolve("out");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        assertEquals(0, FullSizeCommand.run(new String[] {m.toString(), out.toString()}, new PrintStream(log)));
        assertTrue(Files.isRegularFile(out.resolve("model_index.json")));
        assertTrue(Files.isRegularFile(out.resolve("text_encoder/config.json")));
        try (WeightSource w = Checkpoints.open(out.resolve("text_encoder"))) { // through the index
            HostTensor a = w.get("a.weight");
            assertEquals(DType.BF16, a.dtype());
            assertArrayEquals(new long[] {64, 32}, a.shape());
            float[] v = a.toFloats();
            double var = 0;
            for (float x : v) var += x * x;
            var /= v.length;
            assertTrue(var > 0.5 / 32 && var < 2.0 / 32, "variance ~1/fan-in: " + var);
            for (float x : w.get("a.bias").toFloats()) assertEquals(0f, x);
            for (float x : w.get("norm.weight").toFloats()) assertEquals(1f, x);
        }
    }
}
