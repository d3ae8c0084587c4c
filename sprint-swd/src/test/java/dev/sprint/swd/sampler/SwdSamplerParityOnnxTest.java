package dev.sprint.swd.sampler;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.TestBackends;

/** {@link SwdSamplerParityTest} traced and run on ONNX Runtime (CPU, float32). */
class SwdSamplerParityOnnxTest extends SwdSamplerParityTest {
    @Override
    protected TensorBackend backend() {
        return TestBackends.cpu("onnx");
    }
}
