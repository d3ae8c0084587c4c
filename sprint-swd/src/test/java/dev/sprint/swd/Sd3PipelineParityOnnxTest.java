package dev.sprint.swd;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.backend.onnx.OnnxBackendProvider;
import dev.sprint.core.tensor.TensorBackend;

/** {@link Sd3PipelineParityTest} traced and run on ONNX Runtime (CPU, float32). */
class Sd3PipelineParityOnnxTest extends Sd3PipelineParityTest {
    private final TensorBackend backend =
            (TensorBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
