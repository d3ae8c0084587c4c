package dev.sprint.swd.mmdit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.io.SafetensorsFile;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.lora.LoraMergedSource;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SD3Transformer2DModel} against diffusers' SD3Transformer2DModel on the golden tiny SD3.5-Medium
 * shaped model (dual attention in blocks 0 and 1, context_pre_only last block): every
 * {@code transformer_fwd_*} case, base and with the SwD LoRA merged; README metric
 * max|d| ≤ 1e-5·max|ref| + 1e-6.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class SD3TransformerParityTest {
    private static final Path DIR = Golden.swd().resolve("model/transformer");

    protected abstract TensorBackend backend();

    private SD3Transformer2DModel base;
    private SD3Transformer2DModel merged;

    @BeforeAll
    void load() {
        base = SD3Transformer2DModel.load(DIR, backend());
        merged = SD3Transformer2DModel.load(DIR,
                LoraMergedSource.open(DIR, List.of(Lora.of(Golden.swd().resolve("model/swd"))), LoraMergedSource.SD3), backend());
    }

    @AfterAll
    void close() {
        base.close();
        merged.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {"transformer_fwd_0_8x8", "transformer_fwd_1_12x12", "transformer_fwd_2_16x16",
            "transformer_fwd_3_8x12", "transformer_fwd_4_12x8"})
    void forwardMatchesDiffusers(String name) {
        TensorBackend be = backend();
        Map<String, HostTensor> c = SwdFixtures.load(name);
        Tensor x = be.upload(Golden.get(c, "hidden_states"), be.floatType());
        Tensor t = be.upload(Golden.get(c, "timestep"), be.floatType());
        Tensor[] text = SwdFixtures.promptBatch(be);
        Tensor out = base.forward(x, t, text[0], text[1]);
        Golden.assertShape(name, out.shape(), Golden.get(c, "out_base"));
        SwdFixtures.assertNear(name + " base", be.toFloats(out), Golden.get(c, "out_base"), 1e-5, 1e-6);
        float[] lora = be.toFloats(merged.forward(x, t, text[0], text[1]));
        SwdFixtures.assertNear(name + " merged LoRA", lora, Golden.get(c, "out_swd_merged"), 1e-5, 1e-6);
        // PEFT's unmerged forward (y = Wx + b + s·B(Ax)) differs from the merged one only by rounding
        SwdFixtures.assertNear(name + " LoRA (unmerged PEFT)", lora, Golden.get(c, "out_swd_lora"), 1e-5, 1e-6);
    }

    @Test
    void hostSinCosTableEqualsTheCheckpointBuffer() {
        SD3TransformerConfig cfg = base.config();
        float[] table = dev.sprint.core.nn.PatchEmbed.sincosTable(cfg.innerDim(), cfg.posEmbedMaxSize(),
                cfg.sampleSize() / cfg.patchSize());
        try (SafetensorsFile f = SafetensorsFile.open(DIR.resolve("diffusion_pytorch_model.safetensors"))) {
            SwdFixtures.assertNear("pos_embed table", table, f.get("pos_embed.pos_embed"), 0, 2e-7);
        }
    }

    @Test
    void configAndInputErrors() {
        SD3TransformerConfig cfg = base.config();
        assertEquals(24, cfg.innerDim());
        assertEquals(true, cfg.isDualAttention(1));
        assertEquals(false, cfg.isDualAttention(2));
        TensorBackend be = backend();
        Tensor[] text = SwdFixtures.promptBatch(be);
        // 7 is not a multiple of the patch size; 50 patches exceed pos_embed_max_size 24
        assertThrows(InvalidRequestException.class,
                () -> base.forward(be.zeros(2, 16, 7, 8), new float[] {1, 1}, text[0], text[1]));
        assertThrows(InvalidRequestException.class,
                () -> base.forward(be.zeros(2, 16, 100, 8), new float[] {1, 1}, text[0], text[1]));
        assertThrows(InvalidRequestException.class,
                () -> base.forward(be.zeros(2, 16, 8, 8), new float[] {1}, text[0], text[1]));
    }
}
