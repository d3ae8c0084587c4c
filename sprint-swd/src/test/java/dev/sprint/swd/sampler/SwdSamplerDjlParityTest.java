package dev.sprint.swd.sampler;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link SwdSamplerParityTest} on the DJL/PyTorch backend (CPU, float32). */
class SwdSamplerDjlParityTest extends SwdSamplerParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("djl");
    }
}
