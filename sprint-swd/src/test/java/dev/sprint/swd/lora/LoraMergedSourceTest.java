package dev.sprint.swd.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The PEFT LoRA merge against PEFT's merged weights (golden lora_merged_weights). */
class LoraMergedSourceTest {
    @Test
    void mergedWeightsMatchPeft() {
        Map<String, HostTensor> c = Golden.load(Golden.swd().resolve("cases/lora_merged_weights.safetensors"));
        try (dev.sprint.core.io.WeightSource plain = Checkpoints.open(Golden.swd().resolve("model/transformer"));
             LoraMergedSource src = LoraMergedSource.open(Checkpoints.open(Golden.swd().resolve("model/transformer")),
                Golden.swd().resolve("model/swd"))) {
            int checked = 0;
            for (String k : c.keySet()) {
                if (!k.startsWith("merged.")) continue;
                String name = k.substring("merged.".length());
                assertTrue(src.targets().contains(name), name + " is a LoRA target");
                Golden.assertClose(name, src.get(name).toFloats(), c.get(k), 1e-5);
                Golden.assertClose(name + " base", plain.get(name).toFloats(),
                        c.get("base." + name), 0);
                checked++;
            }
            assertTrue(checked >= 5, "checked " + checked);
            assertEquals(30, src.targets().size());
        }
    }

    @Test
    void adapterForAnotherBaseIsAClearError(@TempDir Path dir) throws Exception {
        // the SwD adapter over the Sana transformer: its target modules do not exist there
        Files.copy(Golden.swd().resolve("model/swd/adapter_config.json"), dir.resolve("adapter_config.json"));
        Files.copy(Golden.swd().resolve("model/swd/adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        ModelLoadException e = assertThrows(ModelLoadException.class,
                () -> LoraMergedSource.open(Checkpoints.open(Golden.sana().resolve("model/transformer")), dir));
        assertTrue(e.getMessage().contains("another base model"), e.getMessage());
    }
}
