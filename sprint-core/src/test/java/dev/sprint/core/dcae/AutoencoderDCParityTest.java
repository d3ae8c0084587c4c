package dev.sprint.core.dcae;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.Lazy;
import java.util.function.BiFunction;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** AutoencoderDC decode/encode against diffusers (linear and quadratic attention branches). Backends subclass it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AutoencoderDCParityTest {
    protected abstract TensorBackend backend();

    private final Lazy<AutoencoderDC> vae = new Lazy<>(() -> AutoencoderDC.load(Golden.sana().resolve("model/vae"), backend()));

    @AfterAll
    void closeModel() throws Exception {
        vae.close();
    }

    /** Runs {@code pass} on the case's {@code in} tensor and compares with its {@code out} tensor (1e-4). */
    private void check(String name, String in, String out, BiFunction<AutoencoderDC, Tensor, Tensor> pass) {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/" + name + ".safetensors"));
        TensorBackend be = backend();
        Tensor result = pass.apply(vae.get(), be.upload(Golden.get(c, in), be.floatType()));
        Golden.assertShape(name, result.shape(), Golden.get(c, out));
        Golden.assertClose(name, be.toFloats(result), Golden.get(c, out), 1e-4);
    }

    private void decode(String name) {
        check(name, "latent", "sample", AutoencoderDC::decode);
    }

    private void encode(String name) {
        check(name, "image", "latent", AutoencoderDC::encode);
    }

    @Test
    void decodeLinearAttention() {
        decode("vae_decode_a");
    }

    @Test
    void decodeQuadraticAttentionBatchOfTwo() {
        decode("vae_decode_b_quadratic");
    }

    @Test
    void encodeLinearAttention() {
        encode("vae_encode_a");
    }

    @Test
    void encodeQuadraticAttention() {
        encode("vae_encode_b_quadratic");
    }
}
