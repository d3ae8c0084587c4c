package dev.sprint.swd;

import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.lora.LoraMergedSource;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.JsonFuzzer;
import dev.sprint.core.testing.JsonFuzzer.Seed;
import dev.sprint.core.text.TextTokenizer;
import dev.sprint.swd.mmdit.SD3TransformerConfig;
import dev.sprint.swd.text.CLIPTextConfig;
import dev.sprint.swd.text.ClipTokenizer;
import dev.sprint.swd.text.Sd3TextEncoder;
import dev.sprint.swd.text.T5Config;
import dev.sprint.swd.vae.AutoencoderKL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON parsers of sprint-swd under {@link JsonFuzzer}: an SD3 folder's configs into their records
 * ({@link SD3TransformerConfig}, {@link AutoencoderKL.KLConfig}, {@link CLIPTextConfig}, {@link T5Config}, the
 * flow-matching scheduler) and the config phase of {@link Sd3Family#open}, the CLIP tokenizers' vocabulary and
 * token configs, the T5 tokenizer's config, and the SwD LoRA's {@code adapter_config.json} over the golden
 * transformer. Only {@code SprintException}s may come out, within a wall-clock bound and the test heap.
 *
 * <p>A long run: {@code nice -n 19 mvn -B -ntp -pl sprint-swd -am test -Dtest=Sd3ConfigFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dsprint.fuzz.iterations=1000000 [-Dsprint.fuzz.seed=N]}.
 */
class Sd3ConfigFuzzTest {
    @TempDir
    Path tmp;

    @Test
    void onlySprintExceptionsComeOut() throws Exception {
        JsonFuzzer.runTest("SD3 config", seeds(), 3000, 20261203L);
    }

    private List<Seed> seeds() throws Exception {
        Path model = Golden.swd().resolve("model");
        Path root = JsonFuzzer.jsonSkeleton(model, tmp.resolve("swd"));
        for (String f : List.of("tokenizer/merges.txt", "tokenizer_2/merges.txt", "tokenizer_3/tokenizer.json",
                "swd/adapter_model.safetensors")) {
            Files.copy(model.resolve(f), root.resolve(f), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        List<Seed> seeds = new ArrayList<>();
        seeds.add(new Seed("model_index.json", root.resolve("model_index.json"), () -> sd3Configs(root)));
        seeds.add(new Seed("scheduler", root.resolve("scheduler/scheduler_config.json"), () -> sd3Configs(root)));
        seeds.add(new Seed("transformer", root.resolve("transformer/config.json"), () -> {
            SD3TransformerConfig.from(Config.read(root.resolve("transformer/config.json")));
            sd3Configs(root);
        }));
        seeds.add(new Seed("vae", root.resolve("vae/config.json"), () -> {
            AutoencoderKL.KLConfig.from(Config.read(root.resolve("vae/config.json")));
            sd3Configs(root);
        }));
        for (String c : List.of("text_encoder", "text_encoder_2")) {
            seeds.add(new Seed(c, root.resolve(c + "/config.json"), () -> {
                CLIPTextConfig.from(Config.read(root.resolve(c + "/config.json")));
                sd3Configs(root);
            }));
        }
        seeds.add(new Seed("text_encoder_3", root.resolve("text_encoder_3/config.json"), () -> {
            T5Config.from(Config.read(root.resolve("text_encoder_3/config.json")));
            sd3Configs(root);
        }));
        for (String f : List.of("vocab.json", "tokenizer_config.json", "special_tokens_map.json")) {
            seeds.add(new Seed("tokenizer/" + f, root.resolve("tokenizer/" + f), () -> ClipTokenizer.open(root.resolve("tokenizer"))));
        }
        seeds.add(new Seed("tokenizer_3/tokenizer_config.json", root.resolve("tokenizer_3/tokenizer_config.json"), () -> {
            try (TextTokenizer t = TextTokenizer.open(root.resolve("tokenizer_3"))) {
                t.padId();
            }
        }));
        Path transformer = model.resolve("transformer");
        seeds.add(new Seed("swd/adapter_config.json", root.resolve("swd/adapter_config.json"), () -> {
            try (LoraMergedSource lora = LoraMergedSource.open(Checkpoints.open(transformer), List.of(Lora.of(root.resolve("swd"))),
                    LoraMergedSource.SD3)) {
                for (String t : lora.targets()) lora.factors(t);
            }
        }));
        return seeds;
    }

    /** What {@link Sd3Family#open} parses and validates before it loads a weight. */
    private static void sd3Configs(Path root) {
        ModelFolder folder = ModelFolder.open(root);
        for (String key : Set.copyOf(folder.index().json().keySet())) folder.declaredClass(key);
        if (!new Sd3Family().accepts(folder, null)) return;
        Config sched = folder.config("scheduler");
        if (!sched.getString("_class_name").equals("FlowMatchEulerDiscreteScheduler")) throw new UnsupportedModelException("scheduler");
        FlowMatchEulerScheduler s = new FlowMatchEulerScheduler(FlowMatchEulerScheduler.FlowMatchEulerConfig.from(sched));
        for (int steps : new int[] {1, 2, 6, 28}) s.schedule(steps);
        folder.requireClass("transformer", Set.of("SD3Transformer2DModel"));
        folder.requireClass("vae", Set.of("AutoencoderKL"));
        SD3TransformerConfig.from(folder.config("transformer"));
        AutoencoderKL.KLConfig.from(folder.config("vae"));
        Sd3TextEncoder.validateConfigs(folder);
    }
}
