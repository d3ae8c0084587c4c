package dev.sprint.backend.libtorch;

import dev.sprint.api.Precision;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.TensorBackend;

/** Shared CPU backends of the tests: float32 (the goldens' precision) and bfloat16. */
final class LibtorchBackends {
    static final TensorBackend F32 = open(Precision.FLOAT32);
    static final TensorBackend BF16 = open(Precision.BFLOAT16);

    private LibtorchBackends() {}

    static LibtorchBackend open(Precision p) {
        return (LibtorchBackend) new LibtorchBackendProvider().open(new BackendOptions("cpu", true, p, 0, null));
    }
}
