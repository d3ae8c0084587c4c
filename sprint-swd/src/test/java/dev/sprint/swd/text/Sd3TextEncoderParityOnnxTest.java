package dev.sprint.swd.text;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link Sd3TextEncoderParityTest} traced and run on ONNX Runtime (CPU, float32). */
class Sd3TextEncoderParityOnnxTest extends Sd3TextEncoderParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("onnx");
    }
}
