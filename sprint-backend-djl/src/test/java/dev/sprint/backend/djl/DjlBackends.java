package dev.sprint.backend.djl;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.TensorBackend;

/** One CPU DJL backend shared by this module's tests (libtorch loads once per JVM anyway). */
final class DjlBackends {
    static final TensorBackend CPU = (TensorBackend) new DjlBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));

    private DjlBackends() {}
}
