package dev.sprint.backend.onnx;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.TensorBackend;

/** The CPU ONNX backend shared by this module's parity tests (opened once per test JVM). */
final class OnnxBackends {
    static final TensorBackend CPU =
            (TensorBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));

    private OnnxBackends() {}
}
