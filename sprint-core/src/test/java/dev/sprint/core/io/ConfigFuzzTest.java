package dev.sprint.core.io;

import dev.sprint.api.PipelineSettings;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.dcae.AutoencoderDCConfig;
import dev.sprint.core.gemma.Gemma2Config;
import dev.sprint.core.sana.SanaFamily;
import dev.sprint.core.sana.SanaLoader;
import dev.sprint.core.sana.SanaTransformerConfig;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.sched.ScmScheduler;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.JsonFuzzer;
import dev.sprint.core.testing.JsonFuzzer.Seed;
import dev.sprint.core.testing.TestFolders;
import dev.sprint.core.text.TextTokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON parsers of sprint-core under {@link JsonFuzzer}: {@link Config#read} of every config the golden
 * folders hold, parsed into its record ({@link Gemma2Config}, {@link SanaTransformerConfig},
 * {@link AutoencoderDCConfig}, {@link ScmScheduler}, {@link FlowMatchEulerScheduler.FlowMatchEulerConfig}, with
 * schedules computed from an accepted scheduler config), {@code model_index.json} through {@link ModelFolder}
 * and the config phase of a Sana pipeline open ({@link SanaLoader#configs}), the tokenizer's pad-token configs,
 * and a sharded checkpoint's index ({@link ShardedCheckpoint#readWeightMap}, then the shards it names). Only
 * {@code SprintException}s may come out; the whole run is bounded in wall-clock time (a hang fails it) and runs
 * in the test JVM's heap (an {@code OutOfMemoryError} fails it).
 *
 * <p>The suite runs a short fixed budget. A long run: {@code nice -n 19 mvn -B -ntp -pl sprint-core -am test
 * -Dtest=ConfigFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dsprint.fuzz.iterations=1000000
 * [-Dsprint.fuzz.seed=N]}.
 */
class ConfigFuzzTest {
    @TempDir
    Path tmp;

    private static final PipelineSettings SETTINGS = new PipelineSettings("fuzz", null, null, null, null);

    @Test
    void onlySprintExceptionsComeOut() throws Exception {
        JsonFuzzer.runTest("config", seeds(), 4000, 20261202L);
    }

    private List<Seed> seeds() throws Exception {
        Path sana = JsonFuzzer.jsonSkeleton(Golden.sana().resolve("model"), tmp.resolve("sana"));
        // the ControlNet folder takes its text encoder and VAE from the base folder: the skeleton gets copies
        Path cn = JsonFuzzer.jsonSkeleton(Golden.sana().resolve("model_controlnet"), tmp.resolve("controlnet"));
        for (String c : List.of("text_encoder", "vae")) {
            Files.createDirectories(cn.resolve(c));
            Files.copy(sana.resolve(c + "/config.json"), cn.resolve(c + "/config.json"));
        }
        Path swd = JsonFuzzer.jsonSkeleton(Golden.swd().resolve("model"), tmp.resolve("swd"));
        Files.copy(Golden.sana().resolve("model/tokenizer/tokenizer.json"), sana.resolve("tokenizer/tokenizer.json"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        List<Seed> seeds = new ArrayList<>();
        for (Path root : List.of(sana, cn)) {
            String tag = root.getFileName() + "/";
            seeds.add(new Seed(tag + "model_index.json", root.resolve("model_index.json"), () -> sanaConfigs(root)));
            seeds.add(new Seed(tag + "transformer", root.resolve("transformer/config.json"), () -> {
                SanaTransformerConfig.from(Config.read(root.resolve("transformer/config.json")));
                sanaConfigs(root);
            }));
            seeds.add(new Seed(tag + "scheduler", root.resolve("scheduler/scheduler_config.json"), () -> sanaConfigs(root)));
        }
        seeds.add(new Seed("sana/text_encoder", sana.resolve("text_encoder/config.json"), () -> {
            Gemma2Config.from(Config.read(sana.resolve("text_encoder/config.json")));
            sanaConfigs(sana);
        }));
        seeds.add(new Seed("sana/vae", sana.resolve("vae/config.json"), () -> {
            AutoencoderDCConfig.from(Config.read(sana.resolve("vae/config.json")));
            sanaConfigs(sana);
        }));
        seeds.add(new Seed("controlnet/controlnet", cn.resolve("controlnet/config.json"),
                () -> Config.read(cn.resolve("controlnet/config.json"))));
        // the pad token comes from here (special_tokens_map.json is read only when this file has none)
        seeds.add(new Seed("sana/tokenizer/tokenizer_config.json", sana.resolve("tokenizer/tokenizer_config.json"), () -> {
            try (TextTokenizer t = TextTokenizer.open(sana.resolve("tokenizer"))) {
                t.padId();
            }
        }));
        seeds.add(new Seed("swd/model_index.json", swd.resolve("model_index.json"), () -> indexChecks(ModelFolder.open(swd))));
        seeds.add(new Seed("swd/scheduler", swd.resolve("scheduler/scheduler_config.json"),
                () -> flowMatch(ModelFolder.open(swd).config("scheduler"))));
        for (String c : List.of("text_encoder", "text_encoder_2", "text_encoder_3", "transformer", "vae")) {
            seeds.add(new Seed("swd/" + c, swd.resolve(c + "/config.json"), () -> Config.read(swd.resolve(c + "/config.json"))));
        }
        Path index = shardedCheckpoint(tmp.resolve("sharded"));
        seeds.add(new Seed("sharded/index", index, () -> {
            ShardedCheckpoint.readWeightMap(index);
            try (WeightSource w = Checkpoints.open(index.getParent())) {
                for (String n : w.names()) w.origin(n);
            }
        }));
        return seeds;
    }

    /** The config phase of opening a Sana folder: what {@link SanaFamily#open} validates before it loads a weight. */
    private static void sanaConfigs(Path root) {
        ModelFolder folder = ModelFolder.open(root);
        indexChecks(folder);
        // sprint-controlnet opens its folders through SanaFamily.open as well
        if (!new SanaFamily().accepts(folder, SETTINGS) && !folder.pipelineClass().equals("SanaControlNetPipeline")) return;
        Config sched = folder.config("scheduler");
        if (folder.pipelineClass().startsWith("SanaSprint")) {
            if (!sched.getString("_class_name").equals("SCMScheduler")) throw new UnsupportedModelException("scheduler");
            ScmScheduler.from(sched);
        } else {
            flowMatch(sched);
        }
        SanaLoader.configs(folder, SETTINGS);
    }

    /** What a family asks of model_index.json. */
    private static void indexChecks(ModelFolder folder) {
        folder.pipelineClass();
        for (String key : Set.copyOf(folder.index().json().keySet())) {
            if (folder.declares(key)) folder.hasFolder(key);
            folder.declaredClass(key);
        }
        folder.requireClass("transformer", Set.of("SanaTransformer2DModel", "SD3Transformer2DModel"));
    }

    /** A flow-matching scheduler from its config, and the schedules the pipelines ask of it. */
    private static void flowMatch(Config c) {
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(FlowMatchEulerScheduler.FlowMatchEulerConfig.from(c));
        for (int steps : new int[] {1, 2, 4, 28}) s.schedule(steps);
        int n = s.config().numTrainTimesteps();
        s.schedule(List.of((double) n, n / 2.0));
    }

    /** The golden transformer split over two shards with an index naming them, as Hugging Face writes it. */
    private static Path shardedCheckpoint(Path dir) throws Exception {
        Files.createDirectories(dir);
        Map<String, HostTensor> all = Golden.load(Golden.sana().resolve("model/transformer/diffusion_pytorch_model.safetensors"));
        Map<String, HostTensor> first = new TreeMap<>();
        Map<String, HostTensor> second = new TreeMap<>();
        StringBuilder map = new StringBuilder();
        long total = 0;
        for (Map.Entry<String, HostTensor> e : new TreeMap<>(all).entrySet()) {
            boolean one = first.size() <= all.size() / 2;
            (one ? first : second).put(e.getKey(), e.getValue());
            String shard = "diffusion_pytorch_model-0000" + (one ? 1 : 2) + "-of-00002.safetensors";
            map.append(map.isEmpty() ? "" : ",\n").append("    \"").append(e.getKey()).append("\": \"").append(shard).append('"');
            total += e.getValue().data().remaining();
        }
        TestFolders.writeSafetensors(dir.resolve("diffusion_pytorch_model-00001-of-00002.safetensors"), first);
        TestFolders.writeSafetensors(dir.resolve("diffusion_pytorch_model-00002-of-00002.safetensors"), second);
        Path index = dir.resolve("diffusion_pytorch_model.safetensors.index.json");
        Files.writeString(index, "{\n  \"metadata\": {\n    \"total_size\": " + total + "\n  },\n  \"weight_map\": {\n" + map
                + "\n  }\n}\n");
        return index;
    }
}
