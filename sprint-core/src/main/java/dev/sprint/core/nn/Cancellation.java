package dev.sprint.core.nn;

import java.util.function.Supplier;

/**
 * Where long model passes let a generation stop early: model code calls {@link #check()} between layers,
 * blocks and decoder stages; a pipeline installs its call's check (cancellation token, thread interrupt,
 * pipeline closed) on the generating thread for the duration of the call ({@link #during}). Without an
 * installed check (a model used directly) {@code check()} does nothing.
 *
 * <p>Like {@link dev.sprint.core.tensor.Scope}, this is per-thread state of the running call, not global
 * state. On a tracing backend the check runs while the pass is recorded, i.e. before the recorded graph
 * executes, so there a pass stops only at component boundaries.
 */
public final class Cancellation {
    private static final ThreadLocal<Runnable> CHECK = new ThreadLocal<>();

    private Cancellation() {}

    /** Throws the installed check's exception if the running generation should stop; else returns. */
    public static void check() {
        Runnable c = CHECK.get();
        if (c != null) c.run();
    }

    /** Runs {@code work} with {@code check} installed on this thread (nesting restores the outer one). */
    public static <T> T during(Runnable check, Supplier<T> work) {
        return withValue(CHECK, check, work);
    }

    /** Runs {@code work} with {@code local} set to {@code value} on this thread, then restores the outer value. */
    static <V, T> T withValue(ThreadLocal<V> local, V value, Supplier<T> work) {
        V outer = local.get();
        local.set(value);
        try {
            return work.get();
        } finally {
            if (outer == null) local.remove();
            else local.set(outer);
        }
    }
}
