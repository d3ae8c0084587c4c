package dev.sprint.swd.text;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.backend.onnx.OnnxBackendProvider;
import dev.sprint.core.tensor.TensorBackend;

/** {@link Sd3TextEncoderParityTest} traced and run on ONNX Runtime (CPU, float32). */
class Sd3TextEncoderParityOnnxTest extends Sd3TextEncoderParityTest {
    private static final TensorBackend BACKEND =
            (TensorBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));

    @Override
    protected TensorBackend backend() {
        return BACKEND;
    }
}
