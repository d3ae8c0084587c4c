package dev.sprint.swd.mmdit;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.backend.djl.DjlBackendProvider;
import dev.sprint.core.tensor.TensorBackend;

/** One CPU DJL (PyTorch) backend shared by this module's DJL parity tests (libtorch loads once per JVM). */
public final class SwdDjl {
    public static final TensorBackend CPU =
            (TensorBackend) new DjlBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));

    private SwdDjl() {}
}
