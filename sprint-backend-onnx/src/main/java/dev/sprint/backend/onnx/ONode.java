package dev.sprint.backend.onnx;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.List;
import java.util.Map;

/**
 * A tensor of the ONNX backend: either a value (host data: an uploaded tensor, a weight, or an
 * evaluated result) or an operation over other nodes that has not run yet. Operations are recorded
 * lazily and executed as one ONNX graph when a value is needed (download, or the end of a
 * {@link TensorBackend#call}); the node then keeps its value and becomes a leaf of later graphs.
 */
final class ONode implements Tensor {
    final OnnxBackend backend;
    final long id;
    final long[] shape;
    final DType dtype;
    /** ONNX op type, or null for a leaf. */
    final String op;
    final List<ONode> inputs;
    /** Attributes: Long, Double, long[], String, or HostTensor (a tensor attribute). */
    final Map<String, Object> attrs;
    /** Weights are session initializers (constant, pre-packed by ORT); other leaves are run inputs. */
    final boolean weight;
    /** Placeholder index inside a traced call, else -1. */
    final int placeholder;
    private volatile HostTensor value;

    ONode(OnnxBackend backend, long id, long[] shape, DType dtype, String op, List<ONode> inputs,
          Map<String, Object> attrs, boolean weight, int placeholder, HostTensor value) {
        this.backend = backend;
        this.id = id;
        this.shape = shape;
        this.dtype = dtype;
        this.op = op;
        this.inputs = inputs;
        this.attrs = attrs;
        this.weight = weight;
        this.placeholder = placeholder;
        this.value = value;
    }

    boolean isLeaf() {
        return value != null || op == null;
    }

    HostTensor value() {
        return value;
    }

    void setValue(HostTensor v) {
        value = v;
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
        // host memory is garbage-collected; nothing native is held per node
    }

    @Override
    public String toString() {
        return "ONode#" + id + (op == null ? "(leaf)" : "(" + op + ")") + describe();
    }
}
