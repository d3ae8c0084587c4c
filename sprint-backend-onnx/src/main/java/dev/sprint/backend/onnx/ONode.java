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
 * {@link TensorBackend#call}); the node then keeps its value, forgets its inputs and becomes a leaf of
 * later graphs (so the history behind a value is neither recomputed nor kept reachable).
 */
final class ONode implements Tensor {
    final OnnxBackend backend;
    final long id;
    final long[] shape;
    final DType dtype;
    /** ONNX op type, or null for a leaf. */
    final String op;
    /** The operands while the node is pending; empty once it has a value. */
    private volatile List<ONode> inputs;
    /** Attributes: Long, Double, long[], String, or HostTensor (a tensor attribute). */
    final Map<String, Object> attrs;
    /** Weights are session initializers (constant, pre-packed by ORT); other leaves are run inputs. */
    final boolean weight;
    /** Placeholder index inside a traced call, else -1. */
    final int placeholder;
    /**
     * Recorded outside any traced call ({@code call} / {@code export}): glue code between component
     * passes, whose results the caller may use again later, so they are materialised when they run.
     */
    final boolean eager;
    /**
     * Computed from weights, embedded constants and scalars only (Gemma's {@code 1 + weight}, a weight joined
     * from row blocks): nothing a caller carries from one step to the next, so such nodes stay in every graph
     * that uses them (for ORT to fold) and are not materialised — which would turn a weight into fed data.
     */
    final boolean weightLike;
    /** Longest chain of pending eager operations ending here (0 for values and embedded constants). */
    final int pendingDepth;
    /** Pending eager operations behind this node, shared ones counted once per path (an upper bound). */
    final long pendingSize;
    private volatile HostTensor value;

    ONode(OnnxBackend backend, long id, long[] shape, DType dtype, String op, List<ONode> inputs,
          Map<String, Object> attrs, boolean weight, int placeholder, HostTensor value, boolean eager) {
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
        this.eager = eager;
        boolean fromWeights = op != null;
        int depth = 0;
        long size = 0;
        for (ONode in : inputs) {
            fromWeights &= in.isWeightLikeOperand();
            depth = Math.max(depth, in.pendingDepth());
            size = Math.min(Long.MAX_VALUE / 4, size + in.pendingSize());
        }
        this.weightLike = fromWeights;
        // embedded constants (shapes, axes) never run on their own: ORT must see them to plan the graph
        boolean counted = op != null && eager && !op.equals("Constant");
        this.pendingDepth = counted ? depth + 1 : 0;
        this.pendingSize = counted ? size + 1 : 0;
    }

    private boolean isWeightLikeOperand() {
        if (!isLeaf()) return weightLike;
        return weight || (op == null && numel() == 1); // a computed value is fed like any other data
    }

    /** {@link #pendingDepth} while pending, 0 once the node has a value. */
    int pendingDepth() {
        return value != null ? 0 : pendingDepth;
    }

    /** {@link #pendingSize} while pending, 0 once the node has a value. */
    long pendingSize() {
        return value != null ? 0 : pendingSize;
    }

    /** True for an eager operation on data: its value is kept when a graph computing it runs. */
    boolean materialise() {
        return eager && op != null && !weightLike;
    }

    boolean isLeaf() {
        return value != null || op == null;
    }

    List<ONode> inputs() {
        return inputs;
    }

    HostTensor value() {
        return value;
    }

    void setValue(HostTensor v) {
        value = v;
        inputs = List.of(); // a value needs no history: later graphs start here, and the garbage collector may free it
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
