package dev.sprint.swd.mmdit;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link SD3TransformerParityTest} traced and run on ONNX Runtime (CPU, float32). */
class SD3TransformerParityOnnxTest extends SD3TransformerParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("onnx");
    }
}
