package dev.sprint.swd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.lora.LoraMergedSource;
import dev.sprint.core.lora.RandomLora;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.TestFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA fusion into SD3.5's MMDiT through core's {@link LoraMergedSource}: the released SwD adapter (PEFT) against
 * PEFT's merge_and_unload (golden {@code lora_merged_weights}, README tolerance 1e-6), a random adapter on every
 * kind of module (linears, the 2×2 patch-embedding conv) against {@code W + s·(alpha/r)·B·A}, PEFT config
 * semantics (rsLoRA, patterns, fan_in_fan_out) and the errors for adapters that do not fit.
 */
class Sd3LoraTest {
    private static final Path BASE = Golden.swd().resolve("model/transformer");
    private static final Path SWD = Golden.swd().resolve("model/swd");

    private static LoraMergedSource fuse(Path adapter) {
        return LoraMergedSource.open(Checkpoints.open(BASE), List.of(Lora.of(adapter)), LoraMergedSource.SD3);
    }

    @Test
    void swdAdapterMatchesPeft() {
        Map<String, HostTensor> c = Golden.load(Golden.swd().resolve("cases/lora_merged_weights.safetensors"));
        try (WeightSource plain = Checkpoints.open(BASE); LoraMergedSource src = fuse(SWD)) {
            int checked = 0;
            for (String k : c.keySet()) {
                if (!k.startsWith("merged.")) continue;
                String name = k.substring("merged.".length());
                assertTrue(src.targets().contains(name), name + " is a LoRA target");
                assertArrayEquals(new double[] {2.0}, src.factors(name), "lora_alpha / r = 8 / 4");
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
                assertFalse(src.targets().contains(n), n);
                assertEquals(plain.get(n).data(), src.get(n).data(), n);
            }
        }
    }

    @Test
    void sd3TransformerFusesEveryTargetedModule(@TempDir Path dir) {
        try (WeightSource base = Checkpoints.open(BASE)) {
            List<String> modules = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                for (String m : List.of("attn.to_q", "attn.to_k", "attn.to_v", "attn.to_out.0", "attn.add_q_proj", "attn.add_k_proj",
                        "attn.add_v_proj", "attn.to_add_out", "attn2.to_q", "attn2.to_out.0", "ff.net.0.proj", "ff.net.2",
                        "ff_context.net.0.proj", "ff_context.net.2", "norm1.linear", "norm1_context.linear")) {
                    String name = "transformer_blocks." + i + "." + m;
                    if (base.names().contains(name + ".weight")) modules.add(name);
                }
            }
            modules.addAll(List.of("context_embedder", "proj_out", "norm_out.linear", "pos_embed.proj",
                    "time_text_embed.timestep_embedder.linear_1"));
            RandomLora l = RandomLora.of(base, modules, 4, 16.0, 21);
            Path file = l.writeDiffusers(dir);
            try (LoraMergedSource fused = LoraMergedSource.open(Checkpoints.open(BASE), List.of(Lora.of(file).scale(0.6)),
                    LoraMergedSource.SD3)) {
                assertEquals(modules.size(), RandomLora.assertFused(base, fused, List.of(l), new double[] {0.6}));
            }
        }
    }

    @Test
    void userLoraComposesWithTheSwdAdapter(@TempDir Path dir) {
        try (WeightSource base = Checkpoints.open(BASE); WeightSource swd = fuse(SWD)) {
            String q = "transformer_blocks.0.attn.to_q";
            RandomLora l = RandomLora.of(base, List.of(q, "proj_out"), 2, 2.0, 22);
            Path file = l.writeDiffusers(dir);
            try (LoraMergedSource both = LoraMergedSource.open(Checkpoints.open(BASE), List.of(Lora.of(SWD), Lora.of(file).scale(0.5)),
                    LoraMergedSource.SD3)) {
                assertArrayEquals(new double[] {2.0, 0.5}, both.factors(q + ".weight"));
                // the user's adapter on top of the SwD-merged weights: assertFused against the SwD-merged source as base
                RandomLora.assertFused(swd, both, List.of(l), new double[] {0.5});
            }
        }
    }

    @Test
    void anAdapterForAnotherFamilySaysSo(@TempDir Path dir) {
        try (WeightSource sana = Checkpoints.open(Golden.sana().resolve("model/transformer"))) {
            Path file = RandomLora.of(sana, List.of("transformer_blocks.0.attn1.to_q", "transformer_blocks.0.ff.conv_inverted"), 2, 2.0, 23)
                    .writeDiffusers(dir);
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> fuse(file));
            assertTrue(e.getMessage().contains("is for a Sana transformer") && e.getMessage().contains("another model family")
                    && e.getMessage().contains("SD3"), e.getMessage());
        }
    }

    @Test
    void mismatchedShapesAreAClearError(@TempDir Path dir) throws IOException {
        // an adapter for a wider model: to_q of width 32 instead of 24
        Map<String, float[][]> t = new LinkedHashMap<>();
        t.put("base_model.model.transformer_blocks.0.attn.to_q.lora_A.weight", new float[][] {{2, 32}, new float[64]});
        t.put("base_model.model.transformer_blocks.0.attn.to_q.lora_B.weight", new float[][] {{32, 2}, new float[64]});
        writeAdapter(dir, "{\"peft_type\": \"LORA\", \"r\": 2, \"lora_alpha\": 2}", t);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> fuse(dir));
        assertTrue(e.getMessage().contains("do not fit") && e.getMessage().contains("to_q.lora_A.weight"), e.getMessage());
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
        try (WeightSource plain = Checkpoints.open(BASE); LoraMergedSource src = fuse(dir)) {
            String q = "transformer_blocks.0.attn.to_q.weight";
            String k = "transformer_blocks.1.attn.to_k.weight";
            assertEquals(4 / Math.sqrt(2), src.factors(q)[0], 1e-12);
            assertEquals(8 / Math.sqrt(2), src.factors(k)[0], 1e-12);
            float[] w = plain.get(q).toFloats();
            float[] m = src.get(q).toFloats();
            for (int o = 0; o < 24; o++) {
                for (int i = 0; i < 24; i++) {
                    double d = b[o * 2] * a[i] + b[o * 2 + 1] * a[24 + i];
                    assertEquals(w[o * 24 + i] + src.factors(q)[0] * d, m[o * 24 + i], 1e-6, "merged " + o + "," + i);
                }
            }
        }
        // fan_in_fan_out: the stored base weight is (in, out), the delta is transposed
        writeAdapter(dir, "{\"r\": 2, \"lora_alpha\": 2, \"fan_in_fan_out\": true}", t);
        try (WeightSource plain = Checkpoints.open(BASE); LoraMergedSource src = fuse(dir)) {
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
        assertThrows(UnsupportedModelException.class, () -> fuse(dir));
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
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> fuse(dir), c[0]);
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
        }
    }

    /** Writes adapter_config.json and a float32 adapter_model.safetensors ({shape, values} per tensor). */
    static void writeAdapter(Path dir, String config, Map<String, float[][]> tensors) throws IOException {
        Files.writeString(dir.resolve("adapter_config.json"), config);
        Map<String, HostTensor> t = new LinkedHashMap<>();
        tensors.forEach((k, v) -> t.put(k, HostTensor.ofFloats(v[1], (long) v[0][0], (long) v[0][1])));
        TestFolders.writeSafetensors(dir.resolve("adapter_model.safetensors"), t);
    }
}
