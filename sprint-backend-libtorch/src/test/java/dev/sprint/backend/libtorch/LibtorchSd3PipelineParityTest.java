package dev.sprint.backend.libtorch;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.Sd3PipelineParityTest;

/** {@link Sd3PipelineParityTest} (SD3 and SwD goldens) on libtorch in float32. */
class LibtorchSd3PipelineParityTest extends Sd3PipelineParityTest {
    @Override
    protected TensorBackend backend() {
        return LibtorchBackends.F32;
    }
}
