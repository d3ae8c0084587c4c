package dev.sprint.core.nn;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.DType;
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
 * model class's field path is the weight name. The model asks for exactly the tensors its config implies
 * (the architecture never depends on which tensors a file happens to hold): a tensor it asks for and the
 * file lacks is a {@link ModelLoadException} naming the tensor and the file; shapes are checked against the
 * config, dtypes must be floating point (the models compute in floats; an integer weight is named at load,
 * not discovered inside a kernel); every tensor taken is recorded, so {@link #requireAllUsed()} rejects
 * tensors no field took.
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

    /**
     * This path on another backend, sharing the used-tensor record: a dry build on a {@code MetaBackend} checks and
     * marks tensors without uploading them (what a streamed {@link BlockStack} does when its model is built).
     */
    public Weights on(TensorBackend other) {
        return new Weights(source, other, prefix, used);
    }

    /** A child path: {@code sub("blocks").sub("3")} → "blocks.3.". */
    public Weights sub(String child) {
        return new Weights(source, backend, prefix + child + ".", used);
    }

    public Weights sub(int index) {
        return sub(Integer.toString(index));
    }

    /**
     * Whether the checkpoint holds the tensor. Only for naming variants of one tensor (a tied weight stored
     * under either of its names), never to decide the architecture.
     */
    public boolean has(String child) {
        return source.names().contains(prefix + child);
    }

    /** The host data of a tensor, shape-checked ({@code shape} empty = any shape), marked as used. */
    public HostTensor host(String child, long... shape) {
        String full = required(child);
        HostTensor h = source.get(full, shape);
        check(full, h.dtype(), h.shape(), shape);
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
        String full = required(child);
        TensorData d = source.data(full, shape);
        check(full, d.dtype(), d.shape(), shape);
        return d;
    }

    /** The full name of a tensor the config requires; a {@link ModelLoadException} naming it when the file lacks it. */
    private String required(String child) {
        String full = prefix + child;
        if (!source.names().contains(full)) {
            throw new ModelLoadException("missing weight '" + full + "' in " + source.origin(full)
                    + " (the model's config requires it)");
        }
        return full;
    }

    /** Floating dtype and the shape the config implies ({@code expected} empty = any shape); marks it used. */
    private void check(String full, DType dtype, long[] shape, long[] expected) {
        if (!dtype.isFloating()) {
            throw new ModelLoadException("weight '" + full + "' in " + source.origin(full) + " is " + dtype
                    + "; the model computes in floating point (F32, F16 or BF16 expected)");
        }
        if (expected.length > 0 && !Arrays.equals(shape, expected)) {
            throw new ModelLoadException("weight '" + full + "' in " + source.origin(full) + " has shape "
                    + Arrays.toString(shape) + ", the config implies " + Arrays.toString(expected));
        }
        used.add(full);
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
