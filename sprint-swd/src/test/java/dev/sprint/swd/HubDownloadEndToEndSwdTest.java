package dev.sprint.swd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.Pipeline;
import dev.sprint.core.hub.HubFixtures;
import dev.sprint.core.hub.HubSnapshot;
import dev.sprint.core.hub.LoopbackHub;
import dev.sprint.core.testing.Golden;
import dev.sprint.swd.mmdit.SwdFixtures;
import dev.sprint.swd.sampler.SwdConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * SD3.5 + SwD from two repo ids, as a user names them: the pipeline repo (golden tiny SD3.5, with the real
 * repos' extras that must not be fetched) and the SwD adapter repo (PEFT LoRA, no model_index.json) are
 * downloaded from a loopback Hub; then, offline, {@code Pipeline.builder().model(id).with(SwdConfig(adapter id, table))} gives the
 * golden SwD image.
 */
class HubDownloadEndToEndSwdTest {
    private static final String SD35 = "stabilityai/stable-diffusion-3.5-medium";
    private static final String ADAPTER = "yresearch/swd-medium-6-steps";

    @Test
    void pipelineAndAdapterReposLoadOfflineAndGiveTheGoldenImage() {
        HubFixtures.environmentCache(SD35, ADAPTER);
        try (LoopbackHub hub = LoopbackHub.start()) {
            LoopbackHub.Repo sd = hub.repo(SD35).folder(Golden.swd().resolve("model"), "",
                    p -> p.endsWith(".safetensors") || p.endsWith("tokenizer.json") || p.endsWith(".model"));
            // what the real repo also has: the single-file checkpoint and ComfyUI text encoders, outside the components
            sd.file("sd3.5_medium.safetensors", HubFixtures.noise(4000, 1), true)
                    .file("text_encoders/clip_g.safetensors", HubFixtures.noise(3000, 2), true)
                    .file("README.md", "# SD3.5").commit();
            hub.repo(ADAPTER).folder(Golden.swd().resolve("model/swd"), "").file("README.md", "# SwD").commit();
            HubSnapshot base = HubFixtures.downloadIntoEnvironmentCache(hub, SD35);
            HubSnapshot adapter = HubFixtures.downloadIntoEnvironmentCache(hub, ADAPTER);
            assertEquals(List.of("adapter_config.json", "adapter_model.safetensors"), adapter.files());
            assertEquals(false, base.files().stream().anyMatch(f -> f.startsWith("swd/") || f.startsWith("text_encoders/")
                    || f.equals("sd3.5_medium.safetensors") || f.equals("README.md")), base.files().toString());
        }
        String name = "swd_2b_6step";
        SwdConfig swd = new SwdConfig(ADAPTER, Sd3PipelineParityTest.goldenTable(name));
        GenerationRequest.Builder req = Sd3PipelineParityTest.request(name);
        try (Pipeline pipe = Pipeline.builder().model(SD35).backend("djl").with(swd).build()) {
            SwdFixtures.assertImage(name + " image from the downloaded repos", pipe.generate(req.build()).images().get(0).rgb(),
                    Golden.get(SwdFixtures.load(name), "image_uint8"));
        }
    }
}
