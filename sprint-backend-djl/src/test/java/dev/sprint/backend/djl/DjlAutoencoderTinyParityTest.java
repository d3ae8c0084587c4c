package dev.sprint.backend.djl;

import dev.sprint.core.taesd.AutoencoderTinyParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link AutoencoderTinyParityTest} on DJL / PyTorch. */
class DjlAutoencoderTinyParityTest extends AutoencoderTinyParityTest {
    @Override
    protected TensorBackend backend() {
        return DjlBackends.CPU;
    }
}
