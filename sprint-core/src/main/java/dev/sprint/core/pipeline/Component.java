package dev.sprint.core.pipeline;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.SprintException;
import dev.sprint.core.nn.BlockStack;
import dev.sprint.core.plan.MetaBackend;
import dev.sprint.core.tensor.Arena;
import dev.sprint.core.tensor.TensorBackend;
import java.util.function.Function;

/**
 * One heavy part of a pipeline (a text encoder, the transformer, the VAE, a ControlNet) as the pipeline holds it:
 * a name, the stage group it belongs to, the loader that builds it from the checkpoint on a backend, and the
 * loaded model with the {@link Arena} that owns its native weights. Families create every component through
 * {@link Components#load} in one place and reach the model only through {@link #get()} while a generation runs —
 * the point where the memory plan decides when a model is materialised and when it is released:
 * <ul>
 *   <li>resident: loaded when the pipeline opens, kept until it closes;</li>
 *   <li>low memory: loaded by the first {@code get()} of a call that needs it; a {@code get()} of a component of
 *       another group first releases the loaded ones of other groups (weights freed with their arena, files
 *       closed).</li>
 * </ul>
 *
 * @param <M> the model type
 */
public final class Component<M extends AutoCloseable> implements AutoCloseable {
    private final String name;
    private final String group;
    private final Function<TensorBackend, M> loader;
    private final Components owner;
    private M model;
    private Arena arena;
    private boolean closed;
    private int loads;
    private long weightBytes;
    private long streamableBytes;
    private long largestBlockBytes;

    Component(String name, String group, Function<TensorBackend, M> loader, Components owner) {
        this.name = name;
        this.group = group;
        this.loader = loader;
        this.owner = owner;
    }

    /** Builds the model now, its weights in a fresh arena of the backend. */
    synchronized void materialise() {
        if (model != null) return;
        if (closed) throw new SprintException("component '" + name + "' was released with its pipeline");
        Arena a = owner.backend().newArena();
        M m;
        long before = 0;
        if (owner.backend() instanceof MetaBackend meta) {
            before = meta.weightBytes();
            meta.resetBlocks();
        }
        boolean stream = owner.streams(name);
        try {
            m = a.build(() -> BlockStack.streaming(stream, () -> loader.apply(owner.backend())));
        } catch (RuntimeException | Error e) {
            a.close();
            throw e;
        }
        if (m == null) {
            a.close();
            throw new ModelLoadException("the loader of component '" + name + "' returned nothing");
        }
        model = m;
        arena = a;
        loads++;
        if (owner.backend() instanceof MetaBackend meta) {
            weightBytes = meta.weightBytes() - before;
            streamableBytes = meta.nestedBytes();
            largestBlockBytes = meta.largestNestedBytes();
        }
    }

    /** Of {@link #weightBytes()}, the bytes in block stacks a low-memory plan can stream one block at a time. */
    public synchronized long streamableBytes() {
        return streamableBytes;
    }

    /** The largest of those blocks. */
    public synchronized long largestBlockBytes() {
        return largestBlockBytes;
    }

    /** Bytes of the weights this component holds, as measured by a dry build on a {@link MetaBackend} (0 otherwise). */
    public synchronized long weightBytes() {
        return weightBytes;
    }

    /** The component's name ("text_encoder", "transformer", "vae", "controlnet", ...). */
    public String name() {
        return name;
    }

    /** The stage group: components of one group are used together and held together. */
    public String group() {
        return group;
    }

    /** Whether the model is loaded now. */
    public synchronized boolean isLoaded() {
        return model != null;
    }

    /** How many times the model was built (1 for a resident component). */
    public synchronized int loads() {
        return loads;
    }

    /** The loaded model, materialised first if the memory plan released it. */
    public M get() {
        if (closed) throw new SprintException("component '" + name + "' was released with its pipeline");
        owner.activate(this);
        synchronized (this) {
            materialise();
            return model;
        }
    }

    /** The loader, for building the component elsewhere (the memory planner's dry build). */
    Function<TensorBackend, M> loader() {
        return loader;
    }

    /** Frees the model (weights and files) but keeps the component: the next {@link #get()} loads it again. */
    synchronized void release() {
        M m = model;
        Arena a = arena;
        model = null;
        arena = null;
        try {
            if (m != null) m.close();
        } catch (SprintException e) {
            throw e;
        } catch (Exception e) {
            throw new SprintException("closing component '" + name + "' failed: " + e.getMessage(), e);
        } finally {
            if (a != null) a.close();
        }
    }

    /** Releases the model for good. Idempotent. */
    @Override
    public synchronized void close() {
        closed = true;
        release();
    }

    @Override
    public String toString() {
        return name;
    }
}
