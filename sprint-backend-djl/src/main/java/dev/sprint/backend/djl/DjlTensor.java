package dev.sprint.backend.djl;

import ai.djl.ndarray.NDArray;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;

/** A tensor of the DJL backend: an NDArray owned by the scope that was current when it was made. */
final class DjlTensor implements Tensor {
    final DjlBackend backend;
    final NDArray array;
    private final DType dtype;

    DjlTensor(DjlBackend backend, NDArray array, DType dtype) {
        this.backend = backend;
        this.array = array;
        this.dtype = dtype;
    }

    @Override
    public long[] shape() {
        return array.getShape().getShape();
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
        array.close();
    }

    @Override
    public String toString() {
        return "DjlTensor" + describe();
    }
}
