package dev.sprint.controlnet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.Pipeline;
import dev.sprint.core.hub.HubFixtures;
import dev.sprint.core.hub.HubSnapshot;
import dev.sprint.core.hub.LoopbackHub;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A Sana ControlNet from three repo ids: the base pipeline (golden tiny SanaControlNetPipeline without its
 * ControlNet), the ControlNet as a model repo (config.json + weights at its root, no model_index.json), and the
 * text encoder / tokenizer / VAE from the SANA-Sprint repo through the components setting. All are downloaded
 * from a loopback Hub, then loaded offline through {@code Pipeline.builder()}: the golden ControlNet image.
 */
class HubDownloadEndToEndControlNetTest {
    private static final String BASE = "someone/tiny-sana-controlnet-pipeline";
    private static final String CONTROLNET = "someone/tiny-sana-controlnet";

    @Test
    void controlNetRepoLoadsOfflineAndGivesTheGoldenImage() {
        HubFixtures.environmentCache(BASE, CONTROLNET, HubFixtures.SANA);
        try (LoopbackHub hub = LoopbackHub.start()) {
            hub.repo(BASE).folder(Golden.sana().resolve("model_controlnet/transformer"), "transformer/")
                    .folder(Golden.sana().resolve("model_controlnet/scheduler"), "scheduler/")
                    .file("model_index.json", utf8(Golden.sana().resolve("model_controlnet/model_index.json")), false).commit();
            hub.repo(CONTROLNET).folder(Golden.sana().resolve("model_controlnet/controlnet"), "")
                    .file("diffusion_pytorch_model.bin", HubFixtures.noise(500, 3), true).commit();
            HubFixtures.publishSana(hub, HubFixtures.SANA);
            HubFixtures.downloadIntoEnvironmentCache(hub, BASE);
            HubSnapshot cn = HubFixtures.downloadIntoEnvironmentCache(hub, CONTROLNET);
            assertEquals(List.of("config.json", "diffusion_pytorch_model.safetensors"), cn.files());
            HubFixtures.downloadIntoEnvironmentCache(hub, HubFixtures.SANA);
        }
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/pipeline_controlnet.safetensors"));
        GenerationRequest req = GenerationRequest.builder().prompt("a lighthouse on a cliff").negativePrompt("").steps(2)
                .guidanceScale(4.5).seed(20250701L).size(160, 96).resolutionBinning(false)
                .with(ControlImage.of(image(Golden.get(c, "control_image_uint8")), 0.7)).build();
        byte[] got;
        try (Pipeline p = Pipeline.builder().model(BASE).with(ControlNet.of(CONTROLNET)).backend("djl")
                .with(ComponentSource.of(HubFixtures.SANA)).build()) {
            got = p.generate(req).image().rgb();
        }
        Golden.assertImage("ControlNet image from the downloaded repos", got, Golden.get(c, "image_uint8"));
    }

    private static byte[] utf8(java.nio.file.Path p) {
        try {
            return java.nio.file.Files.readAllBytes(p);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static BufferedImage image(HostTensor hwc) {
        int h = (int) hwc.shape()[0];
        int w = (int) hwc.shape()[1];
        long[] px = hwc.toLongs();
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = (y * w + x) * 3;
                img.setRGB(x, y, (int) (px[i] << 16 | px[i + 1] << 8 | px[i + 2]));
            }
        }
        return img;
    }
}
