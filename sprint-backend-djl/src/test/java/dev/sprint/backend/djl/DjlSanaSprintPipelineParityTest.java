package dev.sprint.backend.djl;

import dev.sprint.core.sana.SanaSprintPipelineParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link SanaSprintPipelineParityTest} on DJL / PyTorch. */
class DjlSanaSprintPipelineParityTest extends SanaSprintPipelineParityTest {
    @Override
    protected TensorBackend backend() {
        return DjlBackends.CPU;
    }
}
