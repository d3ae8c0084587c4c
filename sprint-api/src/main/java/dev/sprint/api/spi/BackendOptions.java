package dev.sprint.api.spi;

import dev.sprint.api.Precision;
import java.util.Map;

/**
 * How to open a backend.
 *
 * @param device         "auto" (best device, CPU fallback with a warning), "cpu", "cuda" or "cuda:N"
 * @param deviceRequired when true, a device that cannot be used is an error instead of a CPU fallback
 * @param precision      compute type; CPU always computes float32
 * @param threads        intra-op threads, 0 = backend default
 * @param extra          backend-specific settings by name
 */
public record BackendOptions(String device, boolean deviceRequired, Precision precision, int threads,
                             Map<String, String> extra) {
    public BackendOptions {
        device = device == null ? "auto" : device;
        precision = precision == null ? Precision.AUTO : precision;
        extra = extra == null ? Map.of() : Map.copyOf(extra);
    }

    public static BackendOptions defaults() {
        return new BackendOptions("auto", false, Precision.AUTO, 0, Map.of());
    }
}
