package dev.sprint.controlnet;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link SanaControlNetParityTest} traced and run on ONNX Runtime (CPU, float32). */
class SanaControlNetParityOnnxTest extends SanaControlNetParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("onnx");
    }
}
