package dev.sprint.core.tensor;

import java.util.Arrays;

/**
 * A backend-owned tensor handle: a shape, a dtype and data the backend keeps (on a device, or as a
 * node of a traced graph). Model code never reads values back in the middle of a forward pass.
 *
 * <p>The fluent methods delegate to {@link #backend()} so that model code reads like the math:
 * {@code x.matmul(w).add(b)}. Tensors belong to the {@link Scope} that was innermost when they were
 * created; {@link #close()} frees one early.
 */
public interface Tensor extends AutoCloseable {
    long[] shape();

    DType dtype();

    TensorBackend backend();

    /** Frees this tensor now (optional: its scope frees it otherwise). */
    @Override
    void close();

    default int rank() {
        return shape().length;
    }

    /** Size of an axis; negative axes count from the end. */
    default long size(int axis) {
        long[] s = shape();
        return s[axis < 0 ? s.length + axis : axis];
    }

    default long numel() {
        return HostTensor.numel(shape());
    }

    default String describe() {
        return dtype() + Arrays.toString(shape());
    }

    default Tensor add(Tensor o) { return backend().add(this, o); }
    default Tensor sub(Tensor o) { return backend().sub(this, o); }
    default Tensor mul(Tensor o) { return backend().mul(this, o); }
    default Tensor div(Tensor o) { return backend().div(this, o); }
    default Tensor add(double v) { return backend().addScalar(this, v); }
    default Tensor mul(double v) { return backend().mulScalar(this, v); }
    default Tensor matmul(Tensor o) { return backend().matmul(this, o); }
    default Tensor reshape(long... s) { return backend().reshape(this, s); }
    default Tensor permute(int... axes) { return backend().permute(this, axes); }
    default Tensor transpose(int a, int b) { return backend().transpose(this, a, b); }
    default Tensor slice(int axis, long start, long end) { return backend().slice(this, axis, start, end); }
    default Tensor to(DType t) { return backend().cast(this, t); }
}
