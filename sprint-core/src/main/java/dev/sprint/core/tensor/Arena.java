package dev.sprint.core.tensor;

import java.util.function.Supplier;

/**
 * Native memory for what outlives every {@link Scope} but not the pipeline: a component's weights. Tensors
 * created inside {@link #build} belong to the arena, and closing the arena frees them all at once — what a
 * memory plan does when it releases a component after its stage. Backends without native memory of their own
 * return an arena whose close only forgets.
 */
public interface Arena extends AutoCloseable {
    /** Runs {@code f} with this arena as the home of every tensor it creates outside a nested scope. */
    <T> T build(Supplier<T> f);

    /** Frees every tensor the arena holds; using them afterwards is an error. Idempotent. */
    @Override
    void close();

    /** An arena that holds nothing native (tensors are garbage-collected). */
    Arena HEAP = new Arena() {
        @Override
        public <T> T build(Supplier<T> f) {
            return f.get();
        }

        @Override
        public void close() {}
    };
}
