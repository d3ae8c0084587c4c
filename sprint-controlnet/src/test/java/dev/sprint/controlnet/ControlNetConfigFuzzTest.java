package dev.sprint.controlnet;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.core.io.Config;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.JsonFuzzer;
import dev.sprint.core.testing.JsonFuzzer.Seed;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code controlnet/config.json} into {@link SanaControlNetConfig} under {@link JsonFuzzer}, with the
 * folder's {@code model_index.json} checks {@link SanaControlNetFamily#open} makes first. Only
 * {@code SprintException}s may come out. A long run: {@code -Dtest=ControlNetConfigFuzzTest
 * -Dsprint.fuzz.iterations=1000000}.
 */
class ControlNetConfigFuzzTest {
    @TempDir
    Path tmp;

    @Test
    void onlySprintExceptionsComeOut() throws Exception {
        long iterations = Long.getLong("sprint.fuzz.iterations", 1500);
        long seed = Long.getLong("sprint.fuzz.seed", 20261204L);
        Path root = JsonFuzzer.jsonSkeleton(Golden.sana().resolve("model_controlnet"), tmp.resolve("cn"));
        Path config = root.resolve("controlnet/config.json");
        Runnable parse = () -> {
            ModelFolder folder = ModelFolder.open(root);
            folder.requireClass("controlnet", Set.of("SanaControlNetModel"));
            SanaControlNetConfig.from(Config.read(folder.component("controlnet").resolve("config.json")));
        };
        JsonFuzzer fuzzer = new JsonFuzzer(List.of(new Seed("controlnet/config.json", config, parse::run),
                new Seed("model_index.json", root.resolve("model_index.json"), parse::run)));
        Path crashes = Files.createDirectories(Path.of("target", "fuzz-crashes"));
        JsonFuzzer.Report report = assertTimeoutPreemptively(Duration.ofSeconds(120 + iterations / 100),
                () -> fuzzer.run(iterations, seed, crashes));
        System.out.println("ControlNet config fuzz (seed " + seed + "): " + report);
        for (Map.Entry<String, long[]> e : report.bySeed().entrySet()) {
            assertTrue(e.getValue()[0] > 0 && e.getValue()[1] > 0, e.getKey() + " should see inputs both accepted and rejected");
        }
    }
}
