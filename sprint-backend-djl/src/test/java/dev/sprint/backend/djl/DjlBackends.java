package dev.sprint.backend.djl;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.TensorBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** CPU DJL backends of this module's tests: one shared ({@link #CPU}; libtorch loads once per JVM anyway), or one per test. */
final class DjlBackends {
    static final TensorBackend CPU = fresh();

    private DjlBackends() {}

    /** A new CPU backend of its own (a test counting native arrays needs one that no other test uses). */
    static DjlBackend fresh() {
        return (DjlBackend) new DjlBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));
    }

    /** Base of test classes that get a fresh backend per test, closed after it. */
    abstract static class PerTest {
        DjlBackend be;

        @BeforeEach
        void openBackend() {
            be = fresh();
        }

        @AfterEach
        void closeBackend() {
            be.close();
        }
    }
}
