package dev.sprint.core.testing;

import java.util.function.Supplier;

/** A model a test class loads on first use and closes once (in its {@code @AfterAll}). */
public final class Lazy<M extends AutoCloseable> implements AutoCloseable {
    private final Supplier<M> loader;
    private M value;

    public Lazy(Supplier<M> loader) {
        this.loader = loader;
    }

    public M get() {
        if (value == null) value = loader.get();
        return value;
    }

    @Override
    public void close() throws Exception {
        if (value != null) value.close();
        value = null;
    }
}
