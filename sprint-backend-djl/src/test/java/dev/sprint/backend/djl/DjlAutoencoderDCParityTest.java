package dev.sprint.backend.djl;

import dev.sprint.core.dcae.AutoencoderDCParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link AutoencoderDCParityTest} on DJL / PyTorch. */
class DjlAutoencoderDCParityTest extends AutoencoderDCParityTest {
    @Override
    protected TensorBackend backend() {
        return DjlBackends.CPU;
    }
}
