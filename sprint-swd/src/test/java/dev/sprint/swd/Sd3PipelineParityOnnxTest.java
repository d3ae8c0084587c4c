package dev.sprint.swd;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link Sd3PipelineParityTest} traced and run on ONNX Runtime (CPU, float32). */
class Sd3PipelineParityOnnxTest extends Sd3PipelineParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("onnx");
    }
}
