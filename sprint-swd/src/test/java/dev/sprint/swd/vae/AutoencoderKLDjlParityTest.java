package dev.sprint.swd.vae;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link AutoencoderKLParityTest} on the DJL/PyTorch backend (CPU, float32). */
class AutoencoderKLDjlParityTest extends AutoencoderKLParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("djl");
    }
}
