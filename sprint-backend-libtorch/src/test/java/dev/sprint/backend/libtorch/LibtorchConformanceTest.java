package dev.sprint.backend.libtorch;

import dev.sprint.core.testing.BackendConformanceTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link BackendConformanceTest} on libtorch in float32 (the goldens' precision). */
class LibtorchConformanceTest extends BackendConformanceTest {
    @Override
    protected TensorBackend backend() {
        return LibtorchBackends.F32;
    }
}
