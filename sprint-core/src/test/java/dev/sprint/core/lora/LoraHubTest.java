package dev.sprint.core.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.core.hub.HubFixtures;
import dev.sprint.core.hub.HubSnapshot;
import dev.sprint.core.hub.LoopbackHub;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.testing.Golden;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA named by repo id, as diffusers' {@code push_to_hub} publishes one ({@code pytorch_lora_weights.safetensors},
 * a README and sample images at the root): downloaded from a loopback Hub (the weights file only), then resolved
 * offline from the cache and fused.
 */
class LoraHubTest {
    private static final String REPO = "someone/sana-sprint-fox-lora";

    @Test
    void aRepoIdResolvesThroughTheHubCache(@TempDir Path dir) {
        Path transformer = Golden.sana().resolve("model/transformer");
        RandomLora l;
        try (WeightSource base = Checkpoints.open(transformer)) {
            l = RandomLora.of(base, List.of("transformer_blocks.0.attn1.to_q", "transformer_blocks.1.attn2.to_k"), 4, 8.0, 61);
        }
        l.writeDiffusers(dir);
        HubFixtures.environmentCache(REPO);
        try (LoopbackHub hub = LoopbackHub.start()) {
            hub.repo(REPO).folder(dir, "", p -> p.endsWith(".safetensors")).file("README.md", "# fox")
                    .file("image_0.png", HubFixtures.noise(500, 1), true).commit();
            HubSnapshot s = HubFixtures.downloadIntoEnvironmentCache(hub, REPO);
            assertEquals(List.of("pytorch_lora_weights.safetensors"), s.files());
        }
        List<Lora> resolved = LoraMergedSource.resolve(List.of(Lora.of(REPO).scale(0.5)));
        assertEquals("pytorch_lora_weights.safetensors", Path.of(resolved.get(0).source()).getFileName().toString());
        assertEquals(0.5, resolved.get(0).scale());
        try (WeightSource base = Checkpoints.open(transformer);
             LoraMergedSource fused = LoraMergedSource.open(Checkpoints.open(transformer), resolved, LoraMergedSource.SANA)) {
            assertEquals(2, RandomLora.assertFused(base, fused, List.of(l), new double[] {0.5}));
        }
    }
}
