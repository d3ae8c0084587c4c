package dev.sprint.swd.mmdit;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link SD3TransformerParityTest} on the DJL/PyTorch backend (CPU, float32). */
class SD3TransformerDjlParityTest extends SD3TransformerParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("djl");
    }
}
