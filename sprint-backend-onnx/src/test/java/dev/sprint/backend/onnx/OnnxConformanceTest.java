package dev.sprint.backend.onnx;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.BackendConformanceTest;

/** The backend conformance suite on ONNX Runtime (CPU). */
class OnnxConformanceTest extends BackendConformanceTest {
    private static final TensorBackend BACKEND =
            (TensorBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));

    @Override
    protected TensorBackend backend() {
        return BACKEND;
    }
}
