package dev.sprint.swd.text;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link Sd3TextEncoderParityTest} on the DJL/PyTorch backend (CPU, float32). */
class Sd3TextEncoderDjlParityTest extends Sd3TextEncoderParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("djl");
    }
}
