package dev.sprint.api.spi;

/**
 * Service-provider interface of a compute backend, registered in
 * {@code META-INF/services/dev.sprint.api.spi.BackendProvider}. Implementations must be cheap to
 * construct: no native library may load before {@link #open}.
 */
public interface BackendProvider {
    /** Short stable name used for selection ("djl", "onnx"). */
    String name();

    /** Higher wins when no backend is named explicitly. */
    int priority();

    /** Maven coordinates of the module that brings this provider (for error messages). */
    String artifact();

    /** Whether this backend can run here, and on which devices. Never throws; does not load native code eagerly. */
    Availability probe();

    /** Opens the backend; may load native libraries. Throws {@link dev.sprint.api.BackendUnavailableException} if it cannot. */
    Backend open(BackendOptions options);
}
