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

    /**
     * {@code f(in)} in its own scope, keeping only the result, then frees {@code in}: one block of a deep stack
     * whose input is an activation that is dead once the block has run. At most the block's own intermediates,
     * its input and its output are alive at a time.
     */
    public static Tensor step(Tensor in, java.util.function.UnaryOperator<Tensor> f) {
        Tensor out;
        try (Scope s = in.backend().newScope()) {
            out = s.keep(f.apply(in));
        }
        return free(out, in);
    }
}
