package dev.sprint.swd;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.mmdit.SwdDjl;

/** {@link Sd3PipelineParityTest} on the DJL/PyTorch backend (CPU, float32). */
class Sd3PipelineDjlParityTest extends Sd3PipelineParityTest {
    @Override
    protected TensorBackend backend() {
        return SwdDjl.CPU;
    }

    @Override
    protected boolean sharedBackend() {
        return true;
    }
}
