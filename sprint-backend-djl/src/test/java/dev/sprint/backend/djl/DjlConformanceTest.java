package dev.sprint.backend.djl;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.BackendConformanceTest;

/** The backend conformance suite on DJL / PyTorch (CPU). */
class DjlConformanceTest extends BackendConformanceTest {
    @Override
    protected TensorBackend backend() {
        return DjlBackends.CPU;
    }
}
