package dev.sprint.controlnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.lora.RandomLora;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A LoRA on the Sana ControlNet pipeline's base transformer, opened through the public builder on DJL: at scale 0 the
 * golden ControlNet image byte for byte as without it, at scale 1 another image (the ControlNet itself is not adapted,
 * as in diffusers' SanaLoraLoaderMixin, which loads into the transformer only).
 */
class SanaControlNetLoraTest {
    private static final Path MODEL = Golden.sana().resolve("model_controlnet");

    private static Pipeline open(Lora... loras) {
        Pipeline.Builder b = Pipeline.builder().model(MODEL).backend("djl").device("cpu")
                .with(ComponentSource.of(Golden.sana().resolve("model")));
        for (Lora l : loras) b.with(l);
        return b.build();
    }

    @Test
    void scaleZeroGivesTheControlNetImageByteForByte(@TempDir Path dir) {
        Path file;
        try (WeightSource base = Checkpoints.open(MODEL.resolve("transformer"))) {
            file = RandomLora.of(base, List.of("transformer_blocks.0.attn1.to_q", "transformer_blocks.0.attn2.to_v",
                    "transformer_blocks.1.ff.conv_inverted", "proj_out"), 4, 4.0, 41).writeKohya(dir.resolve("k.safetensors"),
                    "lora_transformer_");
        }
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/pipeline_controlnet.safetensors"));
        GenerationRequest req = GenerationRequest.builder().prompt("a lighthouse on a cliff").negativePrompt("").steps(2)
                .guidanceScale(4.5).seed(20250701L).size(160, 96).resolutionBinning(false)
                .with(ControlImage.of(Golden.image(Golden.get(c, "control_image_uint8")), 0.7)).build();
        byte[] plain;
        try (Pipeline p = open()) {
            plain = p.generate(req).image().rgb();
        }
        Golden.assertImage("ControlNet pipeline image", plain, Golden.get(c, "image_uint8"));
        try (Pipeline p = open(Lora.of(file).scale(0))) {
            assertArrayEquals(plain, p.generate(req).image().rgb());
        }
        try (Pipeline p = open(Lora.of(file))) {
            GenerationResult r = p.generate(req);
            assertFalse(Arrays.equals(plain, r.image().rgb()), "the adapter changes the image");
            assertEquals(file + ":1.0", r.image().provenance().extras().get("lora"));
        }
    }
}
