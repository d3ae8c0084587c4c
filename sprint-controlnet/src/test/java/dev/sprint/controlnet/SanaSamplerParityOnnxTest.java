package dev.sprint.controlnet;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link SanaSamplerParityTest} traced and run on ONNX Runtime (CPU, float32). */
class SanaSamplerParityOnnxTest extends SanaSamplerParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("onnx");
    }
}
