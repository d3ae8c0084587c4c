package dev.sprint.swd.vae;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SD3.5's AutoencoderKL against diffusers (golden `vae`): decode of scaled latents, encoder posterior. */
class AutoencoderKLParityTest {
    private final TensorBackend be = new ReferenceBackend();

    @Test
    void decodeAndEncode() {
        Map<String, HostTensor> c = Golden.load(Golden.swd().resolve("cases/vae.safetensors"));
        try (AutoencoderKL vae = AutoencoderKL.load(Golden.swd().resolve("model/vae"), be)) {
            Tensor z = be.upload(Golden.get(c, "latents"), be.floatType());
            Golden.assertClose("decoded", be.toFloats(vae.decode(vae.toVaeSpace(z))), Golden.get(c, "decoded"), 1e-4);
            Tensor[] post = vae.encode(be.upload(Golden.get(c, "image"), be.floatType()));
            Golden.assertClose("posterior mean", be.toFloats(post[0]), Golden.get(c, "posterior_mean"), 1e-4);
            Golden.assertClose("posterior logvar", be.toFloats(post[1]), Golden.get(c, "posterior_logvar"), 1e-4);
            Golden.assertClose("scaled mode", be.toFloats(vae.toScaledSpace(post[0])), Golden.get(c, "encoded_scaled_mode"), 1e-4);
        }
    }
}
