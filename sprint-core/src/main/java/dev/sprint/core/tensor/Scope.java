package dev.sprint.core.tensor;

/**
 * A region of native memory: every tensor created on this thread while the scope is the innermost
 * open one is freed when it closes, except those passed to {@link #keep}, which move to the
 * enclosing scope. Scopes nest; open and close them on one thread, in try-with-resources.
 */
public interface Scope extends AutoCloseable {
    /** Moves {@code t} to the enclosing scope so it outlives this one; returns it. */
    Tensor keep(Tensor t);

    @Override
    void close();
}
