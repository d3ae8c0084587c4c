package dev.sprint.backend.libtorch;

import dev.sprint.core.sana.SanaSprintPipelineParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link SanaSprintPipelineParityTest} on libtorch in float32 (the goldens' precision). */
class LibtorchSanaSprintPipelineParityTest extends SanaSprintPipelineParityTest {
    @Override
    protected TensorBackend backend() {
        return LibtorchBackends.F32;
    }
}
