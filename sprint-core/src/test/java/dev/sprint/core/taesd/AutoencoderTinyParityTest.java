package dev.sprint.core.taesd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.Lazy;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * AutoencoderTiny decode/encode against diffusers' classes on a tiny random folder ({@code golden/taesd}, made by
 * {@code bench/taesd/make_tiny_autoencoder_tiny.py}). Backends subclass it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AutoencoderTinyParityTest {
    protected abstract TensorBackend backend();

    private final Lazy<AutoencoderTiny> taesd = new Lazy<>(() -> AutoencoderTiny.load(Golden.taesd().resolve("model"), backend()));

    @AfterAll
    void closeModel() throws Exception {
        taesd.close();
    }

    private void check(String in, String out, BiFunction<AutoencoderTiny, Tensor, Tensor> pass) {
        Map<String, HostTensor> c = Golden.load(Golden.taesd().resolve("cases.safetensors"));
        TensorBackend be = backend();
        Tensor result = pass.apply(taesd.get(), be.upload(Golden.get(c, in), be.floatType()));
        Golden.assertShape(out, result.shape(), Golden.get(c, out));
        Golden.assertClose(out, be.toFloats(result), Golden.get(c, out), 1e-4);
    }

    @Test
    void decodeBatchOfTwo() {
        check("decode_input", "decode_output", AutoencoderTiny::decode);
    }

    @Test
    void encode() {
        check("encode_input", "encode_output", AutoencoderTiny::encode);
    }

    @Test
    void configGivesTheDecoderScale() {
        AutoencoderTinyConfig c = taesd.get().config();
        assertEquals(8, c.spatialScale());
        assertEquals(16, c.latentChannels());
        assertEquals(1.5305, c.scalingFactor());
        assertEquals(0.0609, c.shiftFactor());
    }
}
