package dev.sprint.core.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.SprintException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.TestFolders;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA fusion on the Sana transformers (SANA-Sprint's, and the base Sana transformer of the ControlNet folder), with
 * random adapters written here in each format: fused weights equal {@code W + Σ s·(alpha/r)·B·A} on every targeted
 * module and the base's bytes elsewhere; the formats and alpha sources agree; bad files are clear errors.
 */
class LoraMergedSourceTest {
    static final Path SPRINT = Golden.sana().resolve("model/transformer");
    static final Path CONTROLNET_BASE = Golden.sana().resolve("model_controlnet/transformer");
    static final Path SD3 = Golden.swd().resolve("model/transformer");

    /** Every linear and 1×1 conv a Sana LoRA trainer may target, in every block, plus a few outside the blocks. */
    static List<String> sanaModules(WeightSource base) {
        List<String> out = new ArrayList<>();
        Pattern block = Pattern.compile("transformer_blocks\\.(\\d+)\\.attn1\\.to_q\\.weight");
        Set<Integer> blocks = new TreeSet<>();
        for (String n : base.names()) {
            Matcher m = block.matcher(n);
            if (m.matches()) blocks.add(Integer.parseInt(m.group(1)));
        }
        assertTrue(blocks.size() >= 2, "blocks " + blocks);
        for (int i : blocks) {
            for (String m : List.of("attn1.to_q", "attn1.to_k", "attn1.to_v", "attn1.to_out.0", "attn2.to_q", "attn2.to_k",
                    "attn2.to_v", "attn2.to_out.0", "ff.conv_inverted", "ff.conv_point")) {
                out.add("transformer_blocks." + i + "." + m);
            }
        }
        out.addAll(List.of("proj_out", "caption_projection.linear_1", "time_embed.linear", "patch_embed.proj"));
        return out;
    }

    private static LoraMergedSource fuse(Path base, String family, Lora... loras) {
        return LoraMergedSource.open(Checkpoints.open(base), List.of(loras), family);
    }

    @Test
    void sanaSprintTransformerFusesEveryTargetedModule(@TempDir Path dir) {
        try (WeightSource base = Checkpoints.open(SPRINT)) {
            RandomLora l = RandomLora.of(base, sanaModules(base), 4, 8.0, 1);
            Path file = l.writeDiffusers(dir);
            try (LoraMergedSource fused = fuse(SPRINT, LoraMergedSource.SANA, Lora.of(file).scale(0.8))) {
                assertEquals(l.modules().stream().map(m -> m + ".weight").collect(Collectors.toSet()), fused.targets());
                assertArrayEquals(new double[] {0.8 * 2}, fused.factors("proj_out.weight"));
                assertEquals(l.modules().size(), RandomLora.assertFused(base, fused, List.of(l), new double[] {0.8}));
            }
        }
    }

    @Test
    void controlNetBaseTransformerFusesEveryTargetedModule(@TempDir Path dir) {
        try (WeightSource base = Checkpoints.open(CONTROLNET_BASE)) {
            List<String> modules = new ArrayList<>(sanaModules(base));
            modules.add("time_embed.emb.timestep_embedder.linear_1");
            RandomLora l = RandomLora.of(base, modules, 2, 1.0, 2);
            Path folder = l.writePeft(dir);
            try (LoraMergedSource fused = fuse(CONTROLNET_BASE, LoraMergedSource.SANA, Lora.of(folder).scale(1.3))) {
                assertEquals(modules.size(), RandomLora.assertFused(base, fused, List.of(l), new double[] {1.3}));
            }
        }
    }

    @Test
    void twoAdaptersCompose(@TempDir Path dir) throws IOException {
        try (WeightSource base = Checkpoints.open(SPRINT)) {
            RandomLora first = RandomLora.of(base, List.of("transformer_blocks.0.attn1.to_q", "transformer_blocks.0.attn1.to_k",
                    "transformer_blocks.1.attn1.to_v"), 4, 8.0, 3);
            RandomLora second = RandomLora.of(base, List.of("transformer_blocks.0.attn1.to_q", "transformer_blocks.1.ff.conv_inverted",
                    "proj_out"), 2, 2.0, 4);
            Path a = first.writeDiffusers(Files.createDirectories(dir.resolve("a")));
            Path b = second.writeKohya(dir.resolve("b.safetensors"), "lora_transformer_");
            try (LoraMergedSource fused = fuse(SPRINT, LoraMergedSource.SANA, Lora.of(a).scale(0.7), Lora.of(b).scale(-0.5))) {
                assertEquals(5, fused.targets().size());
                assertArrayEquals(new double[] {0.7 * 2, -0.5 * 1}, fused.factors("transformer_blocks.0.attn1.to_q.weight"));
                assertEquals(5, RandomLora.assertFused(base, fused, List.of(first, second), new double[] {0.7, -0.5}));
            }
        }
    }

    @Test
    void kohyaKeysMapToTheModulesOfTheirDiffusersConversion(@TempDir Path dir) throws IOException {
        try (WeightSource base = Checkpoints.open(SPRINT)) {
            RandomLora l = RandomLora.of(base, sanaModules(base), 3, 6.0, 5);
            Path diffusers = l.writeDiffusers(Files.createDirectories(dir.resolve("diffusers")));
            Path kohya = l.writeKohya(dir.resolve("kohya.safetensors"), "lora_transformer_");
            Path unet = l.writeKohya(dir.resolve("kohya_unet.safetensors"), "lora_unet_");
            try (LoraMergedSource d = fuse(SPRINT, LoraMergedSource.SANA, Lora.of(diffusers).scale(0.9));
                 LoraMergedSource k = fuse(SPRINT, LoraMergedSource.SANA, Lora.of(kohya).scale(0.9));
                 LoraMergedSource u = fuse(SPRINT, LoraMergedSource.SANA, Lora.of(unet).scale(0.9))) {
                assertEquals(d.targets(), k.targets());
                assertEquals(d.targets(), u.targets());
                for (String n : base.names()) {
                    assertEquals(d.get(n).data(), k.get(n).data(), n);
                    assertEquals(d.get(n).data(), u.get(n).data(), n);
                }
            }
        }
    }

    @Test
    void alphasFromKeysConfigHeaderOrRank(@TempDir Path dir) throws IOException {
        try (WeightSource base = Checkpoints.open(SPRINT)) {
            List<String> modules = List.of("transformer_blocks.0.attn1.to_q", "transformer_blocks.1.ff.conv_point");
            RandomLora l = RandomLora.of(base, modules, 4, 12.0, 6);
            String q = "transformer_blocks.0.attn1.to_q.weight";
            // .alpha keys: 12 / 4
            Path keys = l.writeDiffusers(Files.createDirectories(dir.resolve("keys")));
            // no alpha anywhere: alpha = r, as diffusers does
            Path none = l.writeDiffusers(Files.createDirectories(dir.resolve("none")), false, Map.of());
            // adapter_config.json beside the file
            Path cfg = l.writeDiffusers(Files.createDirectories(dir.resolve("cfg")), false, Map.of());
            RandomLora.writeText(cfg.resolveSibling("adapter_config.json"), "{\"r\": 4, \"lora_alpha\": 2}");
            // diffusers' header metadata (save_lora_weights with transformer_lora_adapter_metadata)
            Path header = l.writeDiffusers(Files.createDirectories(dir.resolve("header")), false, Map.of("format", "pt",
                    "lora_adapter_metadata", "{\"transformer.r\": 4, \"transformer.lora_alpha\": 16,"
                            + " \"transformer.alpha_pattern\": {\"conv_point\": 4}}"));
            double[][] want = {{3}, {1}, {0.5}, {4}};
            Path[] files = {keys, none, cfg, header};
            for (int i = 0; i < files.length; i++) {
                try (LoraMergedSource f = fuse(SPRINT, LoraMergedSource.SANA, Lora.of(files[i]))) {
                    assertArrayEquals(want[i], f.factors(q), 1e-12, files[i].toString());
                }
            }
            try (LoraMergedSource f = fuse(SPRINT, LoraMergedSource.SANA, Lora.of(header))) {
                assertArrayEquals(new double[] {1}, f.factors("transformer_blocks.1.ff.conv_point.weight"), "alpha_pattern");
            }
            try (LoraMergedSource f = fuse(SPRINT, LoraMergedSource.SANA, Lora.of(none).scale(0.25))) {
                RandomLora.assertFused(base, f, List.of(RandomLora.of(base, modules, 4, 4.0, 6)), new double[] {0.25});
            }
        }
    }

    @Test
    void scaleZeroLeavesEveryWeightAsItWas(@TempDir Path dir) {
        try (WeightSource base = Checkpoints.open(SPRINT)) {
            RandomLora l = RandomLora.of(base, sanaModules(base), 4, 8.0, 7);
            try (LoraMergedSource f = fuse(SPRINT, LoraMergedSource.SANA, Lora.of(l.writeDiffusers(dir)).scale(0))) {
                assertTrue(f.targets().isEmpty());
                assertEquals(0, RandomLora.assertFused(base, f, List.of(l), new double[] {0}));
            }
        }
    }

    private static <T extends SprintException> T fails(Class<T> type, Executable e, String... parts) {
        T x = assertThrows(type, e);
        for (String p : parts) assertTrue(x.getMessage().contains(p), "'" + p + "' not in: " + x.getMessage());
        return x;
    }

    @Test
    void unknownModulesAndShapeMismatchesNameTheKey(@TempDir Path dir) {
        Map<String, HostTensor> t = Map.of(
                "transformer.transformer_blocks.0.attn1.to_z.lora_A.weight", HostTensor.ofFloats(new float[64], 2, 32),
                "transformer.transformer_blocks.0.attn1.to_z.lora_B.weight", HostTensor.ofFloats(new float[64], 32, 2));
        Path unknown = RandomLora.write(dir.resolve("unknown.safetensors"), t, Map.of());
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(unknown)),
                "transformer.transformer_blocks.0.attn1.to_z.lora_A.weight", "does not have");
        // kohya: an unknown module is named by its kohya key
        Map<String, HostTensor> k = Map.of(
                "lora_transformer_transformer_blocks_0_attn1_to_z.lora_down.weight", HostTensor.ofFloats(new float[64], 2, 32),
                "lora_transformer_transformer_blocks_0_attn1_to_z.lora_up.weight", HostTensor.ofFloats(new float[64], 32, 2));
        Path kohya = RandomLora.write(dir.resolve("kohya.safetensors"), k, Map.of());
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(kohya)),
                "lora_transformer_transformer_blocks_0_attn1_to_z.lora_down.weight");
        // an adapter for a wider model: to_q of width 48 instead of 32
        Map<String, HostTensor> w = Map.of(
                "transformer.transformer_blocks.0.attn1.to_q.lora_A.weight", HostTensor.ofFloats(new float[96], 2, 48),
                "transformer.transformer_blocks.0.attn1.to_q.lora_B.weight", HostTensor.ofFloats(new float[96], 48, 2));
        Path wide = RandomLora.write(dir.resolve("wide.safetensors"), w, Map.of());
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(wide)),
                "do not fit", "transformer.transformer_blocks.0.attn1.to_q.lora_A.weight", "[32, 32]");
        // B without A, A without B
        Path half = RandomLora.write(dir.resolve("half.safetensors"), Map.of(
                "transformer.transformer_blocks.0.attn1.to_q.lora_A.weight", HostTensor.ofFloats(new float[64], 2, 32)), Map.of());
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(half)), "transformer.transformer_blocks.0.attn1.to_q.lora_B.weight");
    }

    @Test
    void anAdapterForAnotherFamilySaysSo(@TempDir Path dir) throws IOException {
        try (WeightSource sd3 = Checkpoints.open(SD3)) {
            RandomLora l = RandomLora.of(sd3, List.of("transformer_blocks.0.attn.to_q", "transformer_blocks.0.attn.add_q_proj",
                    "transformer_blocks.0.ff.net.0.proj", "context_embedder"), 4, 4.0, 8);
            Path diffusers = l.writeDiffusers(Files.createDirectories(dir.resolve("d")));
            Path kohya = l.writeKohya(dir.resolve("k.safetensors"), "lora_transformer_");
            for (Path p : List.of(diffusers, kohya)) {
                fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(p)),
                        "is for an SD3", "another model family", "Sana transformer");
            }
        }
        // the released SwD adapter (PEFT, SD3.5) on SANA-Sprint
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(Golden.swd().resolve("model/swd"))),
                "is for an SD3", "another model family");
    }

    @Test
    void unsupportedKindsOfAdapterAreClearErrors(@TempDir Path dir) {
        HostTensor a = HostTensor.ofFloats(new float[64], 2, 32);
        HostTensor b = HostTensor.ofFloats(new float[64], 32, 2);
        String[][] cases = {
            // key, expected words
            {"text_encoder.text_model.encoder.layers.0.self_attn.q_proj", "text encoder"},
            {"lora_te1_text_model_encoder_layers_0_self_attn_q_proj", "text encoder"},
            {"unet.down_blocks.0.attentions.0.proj_in", "UNet"},
            {"lora_unet_down_blocks_0_attentions_0_proj_in", "UNet"},
            {"lora_unet_joint_blocks_0_x_block_attn_qkv", "original SD3 module names"},
        };
        for (String[] c : cases) {
            boolean kohya = c[0].startsWith("lora_");
            Map<String, HostTensor> t = Map.of(c[0] + (kohya ? ".lora_down.weight" : ".lora_A.weight"), a,
                    c[0] + (kohya ? ".lora_up.weight" : ".lora_B.weight"), b);
            Path f = RandomLora.write(dir.resolve(c[0] + ".safetensors"), t, Map.of());
            SprintException e = assertThrows(SprintException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(f)), c[0]);
            assertTrue(e instanceof ModelLoadException || e instanceof UnsupportedModelException, e.toString());
            assertTrue(e.getMessage().contains(c[1]) && e.getMessage().contains(c[0]), e.getMessage());
        }
        Path dora = RandomLora.write(dir.resolve("dora.safetensors"), Map.of(
                "transformer.proj_out.lora_A.weight", a, "transformer.proj_out.lora_B.weight", HostTensor.ofFloats(new float[16], 8, 2),
                "transformer.proj_out.lora_magnitude_vector", HostTensor.ofFloats(new float[8], 8)), Map.of());
        fails(UnsupportedModelException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(dora)), "DoRA");
        Path odd = RandomLora.write(dir.resolve("odd.safetensors"), Map.of("model.diffusion_model.proj_out.weight", b), Map.of());
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(odd)),
                "model.diffusion_model.proj_out.weight", "not a LoRA key");
    }

    @Test
    void badFilesAreClearErrors(@TempDir Path dir) throws IOException {
        Path garbage = Files.writeString(dir.resolve("garbage.safetensors"), "this is not a safetensors file");
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(garbage)), "garbage.safetensors");
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(dir.resolve("missing.safetensors"))),
                "does not exist");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(empty)), "holds no .safetensors");
        // PEFT keys need their adapter_config.json
        Path peft = Files.createDirectories(dir.resolve("peft"));
        try (WeightSource base = Checkpoints.open(SPRINT)) {
            RandomLora.of(base, List.of("proj_out"), 2, 2.0, 9).writePeft(peft);
        }
        Files.delete(peft.resolve("adapter_config.json"));
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(peft)), "adapter_config.json");
        // a config whose rank is not the tensors'
        RandomLora.writeText(peft.resolve("adapter_config.json"), "{\"r\": 8, \"lora_alpha\": 8}");
        fails(ModelLoadException.class, () -> fuse(SPRINT, LoraMergedSource.SANA, Lora.of(peft)), "rank 2", "r = 8");
        // every failed open released the files it had opened
        assertEquals(0, TestFolders.openFilesUnder(dir));
    }

    @Test
    void loraOptionsAreRepeatableAndValidated() {
        Pipeline.Builder b = Pipeline.builder().with(Lora.of("a/b")).with(Lora.of(Path.of("/x/y.safetensors")).scale(0.5))
                .with(Lora.of("c/d").scale(-1));
        assertEquals(List.of(new Lora("a/b", 1), new Lora("/x/y.safetensors", 0.5), new Lora("c/d", -1)),
                b.settings().options(Lora.class));
        assertThrows(InvalidRequestException.class, () -> Lora.of("a/b").scale(Double.NaN));
        assertThrows(InvalidRequestException.class, () -> Lora.of(" "));
        assertThrows(InvalidRequestException.class, () -> Lora.of((String) null));
    }
}
