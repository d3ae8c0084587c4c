package dev.sprint.core.nn;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorData;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * A path into a checkpoint while a model is being built: {@code w.sub("transformer_blocks").sub("0")
 * .take("attn1.to_q.weight", 1152, 1152)} reads {@code transformer_blocks.0.attn1.to_q.weight}, so a
 * model class's field path is the weight name. Shapes are checked; every tensor taken is recorded, so
 * {@link #requireAllUsed()} can reject unexpected weights.
 */
public final class Weights {
    private final WeightSource source;
    private final TensorBackend backend;
    private final String prefix;
    private final Set<String> used;

    public Weights(WeightSource source, TensorBackend backend) {
        this(source, backend, "", new HashSet<>());
    }

    private Weights(WeightSource source, TensorBackend backend, String prefix, Set<String> used) {
        this.source = source;
        this.backend = backend;
        this.prefix = prefix;
        this.used = used;
    }

    public TensorBackend backend() {
        return backend;
    }

    public WeightSource source() {
        return source;
    }

    /** The full name of a tensor under this path. */
    public String name(String child) {
        return prefix + child;
    }

    /** A child path: {@code sub("blocks").sub("3")} → "blocks.3.". */
    public Weights sub(String child) {
        return new Weights(source, backend, prefix + child + ".", used);
    }

    public Weights sub(int index) {
        return sub(Integer.toString(index));
    }

    public boolean has(String child) {
        return source.names().contains(prefix + child);
    }

    /** Whether any tensor lives under {@code child.}. */
    public boolean hasPrefix(String child) {
        String p = prefix + child + ".";
        return source.names().stream().anyMatch(n -> n.startsWith(p));
    }

    /** The host data of a tensor, shape-checked ({@code shape} empty = any shape), marked as used. */
    public HostTensor host(String child, long... shape) {
        String full = prefix + child;
        if (!source.names().contains(full)) {
            throw new ModelLoadException("missing weight '" + full + "' in " + source.origin(full));
        }
        HostTensor h = source.get(full, shape);
        if (shape.length > 0 && !Arrays.equals(h.shape(), shape)) {
            throw new ModelLoadException("weight '" + full + "' in " + source.origin(full) + " has shape "
                    + Arrays.toString(h.shape()) + ", the config implies " + Arrays.toString(shape));
        }
        used.add(full);
        return h;
    }

    /**
     * Uploads a tensor as a weight in the backend's compute type ({@code shape} empty = any shape). The data is
     * streamed from the checkpoint ({@link WeightSource#data}), so it may exceed 2 GiB.
     */
    public Tensor take(String child, long... shape) {
        return backend.weight(data(child, shape));
    }

    /** The checkpoint data of a tensor without reading it, shape-checked and marked as used (see {@link #take}). */
    public TensorData data(String child, long... shape) {
        String full = prefix + child;
        if (!source.names().contains(full)) {
            throw new ModelLoadException("missing weight '" + full + "' in " + source.origin(full));
        }
        TensorData d = source.data(full, shape);
        if (shape.length > 0 && !Arrays.equals(d.shape(), shape)) {
            throw new ModelLoadException("weight '" + full + "' in " + source.origin(full) + " has shape "
                    + Arrays.toString(d.shape()) + ", the config implies " + Arrays.toString(shape));
        }
        used.add(full);
        return d;
    }

    /** Like {@link #take}, or null when the checkpoint has no such tensor. */
    public Tensor takeOptional(String child, long... shape) {
        return has(child) ? take(child, shape) : null;
    }

    /** Throws if the checkpoint holds tensors no model field took (names them, up to 20). */
    public void requireAllUsed() {
        Set<String> extra = new TreeSet<>(source.names());
        extra.removeAll(used);
        if (!extra.isEmpty()) {
            String list = String.join(", ", extra.stream().limit(20).toList());
            throw new ModelLoadException("unexpected weights (" + extra.size() + ") in "
                    + source.origin(extra.iterator().next()) + ": " + list + (extra.size() > 20 ? ", ..." : ""));
        }
    }
}
