package dev.sprint.core.testing;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.Backends;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CPU backends for the parity tests of the modules above the backends, found by provider name
 * ({@code "djl"}, {@code "onnx"}) on the test class path, so a test names no backend class.
 */
public final class TestBackends {
    private static final Map<String, TensorBackend> SHARED = new ConcurrentHashMap<>();

    private TestBackends() {}

    /** One CPU backend of the provider per JVM, shared by every test that runs on it (not closed by tests). */
    public static TensorBackend cpu(String provider) {
        return SHARED.computeIfAbsent(provider, TestBackends::fresh);
    }

    /** A new CPU backend of the provider (for a test whose pipeline owns and closes it). */
    public static TensorBackend fresh(String provider) {
        return (TensorBackend) Backends.select(provider).open(new BackendOptions("cpu", true, null, 0, null));
    }
}
