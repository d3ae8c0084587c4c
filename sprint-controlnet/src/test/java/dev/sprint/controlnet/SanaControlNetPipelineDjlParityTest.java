package dev.sprint.controlnet;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link SanaControlNetPipelineParityTest} on DJL / PyTorch. */
class SanaControlNetPipelineDjlParityTest extends SanaControlNetPipelineParityTest {
    @Override
    protected TensorBackend newBackend() {
        return TestBackends.fresh("djl");
    }
}
