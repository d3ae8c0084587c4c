package dev.sprint.core.dcae;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** AutoencoderDC decode/encode against diffusers (linear and quadratic attention branches). Backends subclass it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class AutoencoderDCParityTest {
    protected abstract TensorBackend backend();

    private AutoencoderDC vae;

    private AutoencoderDC vae() {
        if (vae == null) vae = AutoencoderDC.load(Golden.sana().resolve("model/vae"), backend());
        return vae;
    }

    @AfterAll
    void closeModel() {
        if (vae != null) vae.close();
    }

    private void decode(String name) {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/" + name + ".safetensors"));
        TensorBackend be = backend();
        Tensor out = vae().decode(be.upload(Golden.get(c, "latent"), be.floatType()));
        Golden.assertShape(name, out.shape(), Golden.get(c, "sample"));
        Golden.assertClose(name, be.toFloats(out), Golden.get(c, "sample"), 1e-4);
    }

    private void encode(String name) {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/" + name + ".safetensors"));
        TensorBackend be = backend();
        Tensor out = vae().encode(be.upload(Golden.get(c, "image"), be.floatType()));
        Golden.assertShape(name, out.shape(), Golden.get(c, "latent"));
        Golden.assertClose(name, be.toFloats(out), Golden.get(c, "latent"), 1e-4);
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
