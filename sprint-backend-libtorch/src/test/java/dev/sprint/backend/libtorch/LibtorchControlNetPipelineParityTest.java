package dev.sprint.backend.libtorch;

import dev.sprint.api.Precision;
import dev.sprint.controlnet.SanaControlNetPipelineParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link SanaControlNetPipelineParityTest} on libtorch in float32. */
class LibtorchControlNetPipelineParityTest extends SanaControlNetPipelineParityTest {
    @Override
    protected TensorBackend newBackend() {
        return LibtorchBackends.open(Precision.FLOAT32);
    }
}
