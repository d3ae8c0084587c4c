package dev.sprint.controlnet;

import dev.sprint.core.io.Config;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.JsonFuzzer;
import dev.sprint.core.testing.JsonFuzzer.Seed;
import java.nio.file.Path;
import java.util.List;
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
        Path root = JsonFuzzer.jsonSkeleton(Golden.sana().resolve("model_controlnet"), tmp.resolve("cn"));
        Path config = root.resolve("controlnet/config.json");
        Runnable parse = () -> {
            ModelFolder folder = ModelFolder.open(root);
            folder.requireClass("controlnet", Set.of("SanaControlNetModel"));
            SanaControlNetConfig.from(Config.read(folder.component("controlnet").resolve("config.json")));
        };
        JsonFuzzer.runTest("ControlNet config", List.of(new Seed("controlnet/config.json", config, parse::run),
                new Seed("model_index.json", root.resolve("model_index.json"), parse::run)), 1500, 20261204L);
    }
}
