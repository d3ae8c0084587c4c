package dev.sprint.backend.libtorch;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Arrays;

/**
 * A libtorch tensor (one reference to an {@code at::Tensor}) owned by a scope, an arena or the backend's root.
 * Freeing drops the reference; libtorch frees the storage when no view of it remains.
 */
final class LtTensor implements Tensor {
    final LibtorchBackend backend;
    private org.bytedeco.pytorch.Tensor native_;
    private final long[] shape;
    private final DType dtype;
    /** Who frees it: the scope or arena that was innermost when it was made, or one it was kept into. */
    volatile LibtorchBackend.Owner owner;

    LtTensor(LibtorchBackend backend, org.bytedeco.pytorch.Tensor t, long[] shape, DType dtype, LibtorchBackend.Owner owner) {
        this.backend = backend;
        this.native_ = t;
        this.shape = shape;
        this.dtype = dtype;
        this.owner = owner;
    }

    /** The native tensor; an error once freed. */
    org.bytedeco.pytorch.Tensor t() {
        org.bytedeco.pytorch.Tensor t = native_;
        if (t == null) throw new dev.sprint.api.BackendException("tensor " + describe() + " was already freed");
        return t;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    @Override
    public TensorBackend backend() {
        return backend;
    }

    @Override
    public void close() {
        free();
    }

    synchronized void free() {
        org.bytedeco.pytorch.Tensor t = native_;
        native_ = null;
        if (t != null) t.close();
    }

    boolean isFreed() {
        return native_ == null;
    }

    @Override
    public String toString() {
        return "LtTensor" + dtype + Arrays.toString(shape);
    }
}
