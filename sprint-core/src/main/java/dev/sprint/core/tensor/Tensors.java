package dev.sprint.core.tensor;

/**
 * Early release of intermediates. Eager backends hold every tensor until its scope closes; a decoder at 1024²
 * makes dozens of 512 MB activations per stage, so model code frees each one as soon as it is dead — what
 * Python's reference counting does for the reference implementation. Tracing backends ignore it.
 */
public final class Tensors {
    private Tensors() {}

    /**
     * Returns {@code result} after closing each of {@code dead} that is not {@code result} itself (an identity
     * op may return its input). Only pass tensors this code created and nothing else holds.
     */
    public static Tensor free(Tensor result, Tensor... dead) {
        for (Tensor d : dead) {
            if (d != null && d != result) d.close();
        }
        return result;
    }
}
