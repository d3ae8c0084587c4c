package dev.sprint.core.pipeline;

import dev.sprint.api.MemoryMode;
import dev.sprint.api.PipelineSettings;
import dev.sprint.core.io.Closeables;
import dev.sprint.core.plan.MemoryPlan;
import dev.sprint.core.tensor.TensorBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The components a pipeline owns, in load order, and how they are held ({@link MemoryMode#RESIDENT}: loaded here
 * and kept; {@link MemoryMode#LOW}: loaded by their stage, released when a stage of another group starts). A family
 * creates them all here while it opens a folder; if a later one fails, {@link #closeAfter} releases the ones already
 * loaded before the error propagates, and the pipeline's {@code close()} releases all of them (last loaded first).
 */
public final class Components implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Components.class);

    private final List<Component<?>> all = new ArrayList<>();
    private final TensorBackend backend;
    private final MemoryMode mode;
    private final MemoryPlan plan;

    /**
     * @param backend the backend models are built on
     * @param mode    RESIDENT or LOW (AUTO is decided by the planner before the family opens)
     */
    public Components(TensorBackend backend, MemoryMode mode) {
        this(backend, mode, null);
    }

    private Components(TensorBackend backend, MemoryMode mode, MemoryPlan plan) {
        this.backend = backend;
        this.mode = mode == MemoryMode.LOW ? MemoryMode.LOW : MemoryMode.RESIDENT;
        this.plan = plan;
    }

    /** For a family opening a folder: the backend, and the mode and plan the planner chose (resident unless told). */
    public static Components of(PipelineSettings settings, TensorBackend backend) {
        return new Components(backend, settings.option(MemoryMode.class).orElse(MemoryMode.RESIDENT),
                settings.option(MemoryPlan.class).orElse(null));
    }

    /** Whether the plan streams this component's block stacks (low memory, too large to hold whole). */
    boolean streams(String component) {
        return mode == MemoryMode.LOW && plan != null && plan.streams(component);
    }

    TensorBackend backend() {
        return backend;
    }

    /** How the components are held. */
    public MemoryMode mode() {
        return mode;
    }

    /** A component in a group of its own name; see {@link #load(String, String, Function)}. */
    public <M extends AutoCloseable> Component<M> load(String name, Function<TensorBackend, M> loader) {
        return load(name, name, loader);
    }

    /**
     * Creates a component; when resident, builds it now. Components of one {@code group} are used in the same
     * stage (a transformer and its ControlNet: "denoise") and are held together in low-memory mode.
     */
    public <M extends AutoCloseable> Component<M> load(String name, String group, Function<TensorBackend, M> loader) {
        Component<M> c = new Component<>(name, group, loader, this);
        all.add(c);
        if (mode == MemoryMode.RESIDENT) {
            long t = System.nanoTime();
            c.materialise();
            LOG.debug("loaded {} in {} ms", name, (System.nanoTime() - t) / 1_000_000);
        }
        return c;
    }

    /** Called by {@link Component#get()}: in low-memory mode, releases the loaded components of other groups first. */
    void activate(Component<?> c) {
        if (mode != MemoryMode.LOW || c.isLoaded()) return;
        for (Component<?> other : all) {
            if (other != c && other.isLoaded() && !other.group().equals(c.group())) {
                LOG.debug("releasing {} to load {}", other.name(), c.name());
                other.release();
            }
        }
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
