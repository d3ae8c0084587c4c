package dev.sprint.backend.onnx;

import dev.sprint.core.sana.SanaSprintPipelineParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** Full SANA-Sprint pipeline parity traced and run on ONNX Runtime (CPU, float32). */
class OnnxSanaSprintPipelineParityTest extends SanaSprintPipelineParityTest {
    @Override
    protected TensorBackend backend() {
        return OnnxBackends.CPU;
    }

    @Override
    protected boolean sharedBackend() {
        return true;
    }
}
