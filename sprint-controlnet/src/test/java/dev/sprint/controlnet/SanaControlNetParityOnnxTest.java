package dev.sprint.controlnet;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.backend.onnx.OnnxBackendProvider;
import dev.sprint.core.tensor.TensorBackend;

/** {@link SanaControlNetParityTest} traced and run on ONNX Runtime (CPU, float32). */
class SanaControlNetParityOnnxTest extends SanaControlNetParityTest {
    private static final TensorBackend BACKEND =
            (TensorBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));

    @Override
    protected TensorBackend backend() {
        return BACKEND;
    }
}
