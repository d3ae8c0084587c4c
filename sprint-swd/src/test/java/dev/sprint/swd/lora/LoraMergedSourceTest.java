package dev.sprint.swd.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PEFT LoRA merge (host-side, no backend) against PEFT's merge_and_unload (golden
 * {@code lora_merged_weights}, README tolerance 1e-6), plus the errors for adapters that do not fit.
 */
class LoraMergedSourceTest {
    private static final Path BASE = Golden.swd().resolve("model/transformer");
    private static final Path SWD = Golden.swd().resolve("model/swd");

    @Test
    void mergedWeightsMatchPeft() {
        Map<String, HostTensor> c = Golden.load(Golden.swd().resolve("cases/lora_merged_weights.safetensors"));
        try (WeightSource plain = Checkpoints.open(BASE); LoraMergedSource src = LoraMergedSource.open(Checkpoints.open(BASE), SWD)) {
            int checked = 0;
            for (String k : c.keySet()) {
                if (!k.startsWith("merged.")) continue;
                String name = k.substring("merged.".length());
                assertTrue(src.targets().contains(name), name + " is a LoRA target");
                assertEquals(2.0, src.scale(name), 0, "lora_alpha / r = 8 / 4");
                Golden.assertClose(name + " base", plain.get(name).toFloats(), c.get("base." + name), 0);
                Golden.assertClose(name, src.get(name).toFloats(), c.get(k), 1e-6);
                checked++;
            }
            assertEquals(5, checked);
            // 3 blocks × (attn q/k/v/out + ff 2) + 2 dual blocks × attn2 4 + 2 blocks × ff_context 2
            assertEquals(30, src.targets().size());
            // text-stream projections and embedders are not adapted: passed through bit-identically
            for (String n : new String[] {"transformer_blocks.0.attn.add_q_proj.weight", "transformer_blocks.0.attn.to_q.bias",
                    "proj_out.weight", "pos_embed.pos_embed"}) {
                assertTrue(!src.targets().contains(n), n);
                assertArrayEquals(plain.get(n).toFloats(), src.get(n).toFloats(), n);
            }
        }
    }

    @Test
    void adapterForAnotherBaseIsAClearError() {
        // the SwD adapter over the Sana transformer: its target modules do not exist there
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LoraMergedSource.open(Checkpoints.open(Golden.sana().resolve("model/transformer")), SWD));
        assertTrue(e.getMessage().contains("another base model"), e.getMessage());
    }

    @Test
    void mismatchedShapesAreAClearError(@TempDir Path dir) throws IOException {
        // an adapter for a wider model: to_q of width 32 instead of 24
        Map<String, float[][]> t = new LinkedHashMap<>();
        t.put("base_model.model.transformer_blocks.0.attn.to_q.lora_A.weight", new float[][] {{2, 32}, new float[64]});
        t.put("base_model.model.transformer_blocks.0.attn.to_q.lora_B.weight", new float[][] {{32, 2}, new float[64]});
        writeAdapter(dir, "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 2}", t);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> LoraMergedSource.open(Checkpoints.open(BASE), dir));
        assertTrue(e.getMessage().contains("do not fit") && e.getMessage().contains("to_q"), e.getMessage());
    }

    @Test
    void rsLoraPatternsAndTransposedLayouts(@TempDir Path dir) throws IOException {
        float[] a = new float[2 * 24];
        float[] b = new float[24 * 2];
        for (int i = 0; i < a.length; i++) a[i] = (i % 7) * 0.01f;
        for (int i = 0; i < b.length; i++) b[i] = (i % 5) * 0.02f;
        Map<String, float[][]> t = new LinkedHashMap<>();
        t.put("base_model.model.transformer_blocks.0.attn.to_q.lora_A.weight", new float[][] {{2, 24}, a});
        t.put("base_model.model.transformer_blocks.0.attn.to_q.lora_B.weight", new float[][] {{24, 2}, b});
        t.put("base_model.model.transformer_blocks.1.attn.to_k.lora_A.weight", new float[][] {{2, 24}, a});
        t.put("base_model.model.transformer_blocks.1.attn.to_k.lora_B.weight", new float[][] {{24, 2}, b});
        writeAdapter(dir, "{\"r\": 2, \"lora_alpha\": 4, \"use_rslora\": true, \"alpha_pattern\": {\"to_k\": 8}}", t);
        try (WeightSource plain = Checkpoints.open(BASE); LoraMergedSource src = LoraMergedSource.open(Checkpoints.open(BASE), dir)) {
            String q = "transformer_blocks.0.attn.to_q.weight";
            String k = "transformer_blocks.1.attn.to_k.weight";
            assertEquals(4 / Math.sqrt(2), src.scale(q), 1e-12);
            assertEquals(8 / Math.sqrt(2), src.scale(k), 1e-12);
            float[] w = plain.get(q).toFloats();
            float[] m = src.get(q).toFloats();
            for (int o = 0; o < 24; o++) {
                for (int i = 0; i < 24; i++) {
                    double d = b[o * 2] * a[i] + b[o * 2 + 1] * a[24 + i];
                    assertEquals(w[o * 24 + i] + src.scale(q) * d, m[o * 24 + i], 1e-6, "merged " + o + "," + i);
                }
            }
        }
        // fan_in_fan_out: the stored base weight is (in, out), the delta is transposed
        writeAdapter(dir, "{\"r\": 2, \"lora_alpha\": 2, \"fan_in_fan_out\": true}", t);
        try (WeightSource plain = Checkpoints.open(BASE); LoraMergedSource src = LoraMergedSource.open(Checkpoints.open(BASE), dir)) {
            String q = "transformer_blocks.0.attn.to_q.weight";
            float[] w = plain.get(q).toFloats();
            float[] m = src.get(q).toFloats();
            double d = b[3 * 2] * a[5] + b[3 * 2 + 1] * a[24 + 5];       // (B·A)[o=3, i=5] lands at W[i=5, o=3]
            assertEquals(w[5 * 24 + 3] + d, m[5 * 24 + 3], 1e-6);
        }
    }

    @Test
    void doraIsUnsupported(@TempDir Path dir) throws IOException {
        Files.copy(SWD.resolve("adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        Files.writeString(dir.resolve("adapter_config.json"), "{\"r\": 4, \"lora_alpha\": 8, \"use_dora\": true}");
        assertThrows(UnsupportedModelException.class, () -> LoraMergedSource.open(Checkpoints.open(BASE), dir));
    }

    @Test
    void hostilePatternsAndRanksAreModelLoadErrors(@TempDir Path dir) throws IOException {
        // found by Sd3ConfigFuzzTest: a pattern key is a regex (PEFT compiles it), so a broken one escaped as
        // PatternSyntaxException; a backtracking one could hang the load; ranks were not bounded
        Files.copy(SWD.resolve("adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        String[][] cases = {
            {"{\"r\": 4, \"lora_alpha\": 8, \"alpha_pattern\": {\"to_q(\": 2}}", "not a valid regular expression"},
            {"{\"r\": 4, \"lora_alpha\": 8, \"rank_pattern\": {\"[\": 4}}", "not a valid regular expression"},
            {"{\"r\": 4, \"lora_alpha\": 8, \"alpha_pattern\": {\"((.*)*)*x\": 2}}", "catastrophic backtracking"},
            {"{\"r\": 4, \"lora_alpha\": 8, \"rank_pattern\": {\"to_q\": 2.5}}", "rank_pattern"},
            {"{\"r\": 0, \"lora_alpha\": 8}", "'r'"},
            {"{\"r\": -4, \"lora_alpha\": 8}", "'r'"},
            {"{\"r\": 4, \"alpha_pattern\": [1]}", "alpha_pattern"},
        };
        for (String[] c : cases) {
            Files.writeString(dir.resolve("adapter_config.json"), c[0]);
            long t0 = System.nanoTime();
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> LoraMergedSource.open(Checkpoints.open(BASE), dir), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }

    /** Writes adapter_config.json and a float32 adapter_model.safetensors ({shape, values} per tensor). */
    static void writeAdapter(Path dir, String config, Map<String, float[][]> tensors) throws IOException {
        Files.writeString(dir.resolve("adapter_config.json"), config);
        StringBuilder h = new StringBuilder("{");
        long off = 0;
        for (Map.Entry<String, float[][]> e : tensors.entrySet()) {
            float[] shape = e.getValue()[0];
            long n = e.getValue()[1].length * 4L;
            if (h.length() > 1) h.append(',');
            h.append('"').append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[").append((int) shape[0]).append(',')
                    .append((int) shape[1]).append("],\"data_offsets\":[").append(off).append(',').append(off + n).append("]}");
            off += n;
        }
        h.append('}');
        while (h.length() % 8 != 0) h.append(' ');
        byte[] header = h.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer buf = ByteBuffer.allocate(8 + header.length + (int) off).order(ByteOrder.LITTLE_ENDIAN);
        buf.putLong(header.length).put(header);
        for (float[][] v : tensors.values()) for (float x : v[1]) buf.putFloat(x);
        Files.write(dir.resolve("adapter_model.safetensors"), buf.array());
    }
}
