package dev.sprint.core.pipeline;

import dev.sprint.core.io.Closeables;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The components a pipeline owns, in load order. A family creates them all here while it opens a folder; if
 * a later one fails, {@link #closeAfter} releases the ones already loaded before the error propagates, and
 * the pipeline's {@code close()} releases all of them (last loaded first).
 */
public final class Components implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Components.class);

    private final List<Component<?>> all = new ArrayList<>();

    /** Creates a component and loads it (components are resident; see {@link Component}). */
    public <M extends AutoCloseable> Component<M> load(String name, Supplier<M> loader) {
        Component<M> c = new Component<>(name, loader);
        all.add(c);
        long t = System.nanoTime();
        c.materialise();
        LOG.debug("loaded {} in {} ms", name, (System.nanoTime() - t) / 1_000_000);
        return c;
    }

    /** The components, in load order. */
    public List<Component<?>> list() {
        return List.copyOf(all);
    }

    /** Releases everything loaded so far, attaching close failures to {@code failure}, and returns it. */
    public <T extends Throwable> T closeAfter(T failure) {
        List<Component<?>> reversed = new ArrayList<>(all);
        java.util.Collections.reverse(reversed);
        all.clear();
        return Closeables.closeAfter(failure, reversed);
    }

    /** Releases every component, last loaded first; failures are logged, not thrown (the rest still close). */
    @Override
    public void close() {
        for (int i = all.size() - 1; i >= 0; i--) {
            try {
                all.get(i).close();
            } catch (RuntimeException e) {
                LOG.warn("closing component {} failed", all.get(i).name(), e);
            }
        }
        all.clear();
    }
}
