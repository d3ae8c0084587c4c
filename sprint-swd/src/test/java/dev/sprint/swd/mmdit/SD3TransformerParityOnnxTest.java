package dev.sprint.swd.mmdit;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.backend.onnx.OnnxBackendProvider;
import dev.sprint.core.tensor.TensorBackend;

/** {@link SD3TransformerParityTest} traced and run on ONNX Runtime (CPU, float32). */
class SD3TransformerParityOnnxTest extends SD3TransformerParityTest {
    private static final TensorBackend BACKEND =
            (TensorBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));

    @Override
    protected TensorBackend backend() {
        return BACKEND;
    }
}
