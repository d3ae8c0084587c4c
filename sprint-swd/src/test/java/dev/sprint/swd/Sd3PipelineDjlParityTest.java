package dev.sprint.swd;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link Sd3PipelineParityTest} on the DJL/PyTorch backend (CPU, float32). */
class Sd3PipelineDjlParityTest extends Sd3PipelineParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("djl");
    }
}
