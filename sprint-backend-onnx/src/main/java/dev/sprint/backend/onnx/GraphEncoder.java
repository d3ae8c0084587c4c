package dev.sprint.backend.onnx;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns the pending operations behind some output nodes into an ONNX ModelProto. Names are canonical
 * (by position, not by node id), so two traces of the same computation encode to the same bytes, which
 * is what the session cache keys on. Leaves become graph inputs: weights ({@code w*}) are supplied as
 * session initializers, everything else ({@code x*}) is fed on each run.
 */
final class GraphEncoder {
    /** ONNX opset of every graph Sprint writes. */
    static final int OPSET = 17;
    static final int IR_VERSION = 8;

    final List<ONode> order = new ArrayList<>();
    final List<ONode> weightLeaves = new ArrayList<>();
    final List<ONode> dataLeaves = new ArrayList<>();
    final Map<ONode, String> names = new IdentityHashMap<>();

    GraphEncoder(List<ONode> outputs) {
        // iterative post-order DFS: leaves stop the walk
        Set<ONode> seen = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Object[]> stack = new ArrayDeque<>();
        for (ONode out : outputs) {
            if (seen.contains(out)) continue;
            stack.push(new Object[] {out, 0});
            while (!stack.isEmpty()) {
                Object[] top = stack.peek();
                ONode n = (ONode) top[0];
                int i = (Integer) top[1];
                if (i == 0 && seen.contains(n)) {
                    stack.pop();
                    continue;
                }
                if (n.isLeaf()) {
                    seen.add(n);
                    stack.pop();
                    if (n.weight) {
                        names.put(n, "w" + weightLeaves.size());
                        weightLeaves.add(n);
                    } else {
                        names.put(n, "x" + dataLeaves.size());
                        dataLeaves.add(n);
                    }
                    continue;
                }
                if (i < n.inputs().size()) {
                    top[1] = i + 1;
                    ONode child = n.inputs().get(i);
                    if (!seen.contains(child)) stack.push(new Object[] {child, 0});
                } else {
                    seen.add(n);
                    stack.pop();
                    names.put(n, "t" + order.size());
                    order.add(n);
                }
            }
        }
    }

    /** ONNX Runtime's contrib-operator domain (fused kernels such as Gelu); ops are written "domain:Op". */
    static final String MS_DOMAIN = "com.microsoft";

    /** Writes op_type, and the domain when the op is written {@code "domain:Op"}. */
    private static void opType(Proto node, String op) {
        int colon = op.indexOf(':');
        if (colon < 0) {
            node.string(4, op);
        } else {
            node.string(4, op.substring(colon + 1));
            node.string(7, op.substring(0, colon));
        }
    }

    static int onnxType(DType t) {
        return switch (t) {
            case F32 -> 1;
            case U8 -> 2;
            case I8 -> 3;
            case I16 -> 5;
            case I32 -> 6;
            case I64 -> 7;
            case BOOL -> 9;
            case F16 -> 10;
            case F64 -> 11;
            case BF16 -> 16;
        };
    }

    static Proto valueInfo(String name, DType t, long[] shape) {
        Proto dims = new Proto();
        for (long d : shape) dims.message(1, new Proto().int64(1, d));
        Proto tensorType = new Proto().int64(1, onnxType(t)).message(2, dims);
        return new Proto().string(1, name).message(2, new Proto().message(1, tensorType));
    }

    static Proto tensorProto(String name, HostTensor h) {
        Proto p = new Proto();
        p.packedInt64(1, h.shape());
        p.int64(2, onnxType(h.dtype()));
        if (name != null) p.string(8, name);
        ByteBuffer b = h.data().duplicate();
        byte[] raw = new byte[b.remaining()];
        b.get(raw);
        p.bytes(9, raw);
        return p;
    }

    static Proto externalInitializer(String name, DType t, long[] shape) {
        long bytes = dev.sprint.core.tensor.HostTensor.numel(shape) * t.bytes();
        return new Proto()
                .packedInt64(1, shape)
                .int64(2, onnxType(t))
                .string(8, name)
                .message(13, new Proto().string(1, "location").string(2, "sprint-weights.bin"))
                .message(13, new Proto().string(1, "offset").string(2, "0"))
                .message(13, new Proto().string(1, "length").string(2, Long.toString(bytes)))
                .int64(14, 1);
    }

    private static Proto attribute(String name, Object v) {
        Proto a = new Proto().string(1, name);
        if (v instanceof Long l) {
            a.int64(3, l).int64(20, 2);
        } else if (v instanceof Integer i) {
            a.int64(3, i).int64(20, 2);
        } else if (v instanceof Double d) {
            a.float32(2, d.floatValue()).int64(20, 1);
        } else if (v instanceof long[] ls) {
            a.packedInt64(8, ls).int64(20, 7);
        } else if (v instanceof String s) {
            a.string(4, s).int64(20, 3);
        } else if (v instanceof HostTensor t) {
            a.message(5, tensorProto(null, t)).int64(20, 4);
        } else {
            throw new dev.sprint.api.BackendException("ONNX attribute " + name + " has no encoding for " + v.getClass().getName());
        }
        return a;
    }

    /**
     * A self-contained model for files: {@code inputs} become named graph inputs, weights are external
     * data in {@code weightsFile} (written by the caller in {@link #weightLeaves} order, each at the offset
     * returned in {@code offsets}), other leaves are embedded initializers.
     */
    byte[] encodeForExport(List<ONode> outputs, List<ONode> inputs, List<String> inputNames, List<String> outputNames,
                           String weightsFile, long[] offsets) {
        Map<ONode, String> rename = new IdentityHashMap<>(names);
        for (int i = 0; i < inputs.size(); i++) rename.put(inputs.get(i), inputNames.get(i));
        for (int i = 0; i < outputs.size(); i++) rename.put(outputs.get(i), outputNames.get(i));
        Proto graph = nodes(rename).string(2, "sprint");
        for (int i = 0; i < weightLeaves.size(); i++) {
            ONode w = weightLeaves.get(i);
            long bytes = dev.sprint.core.tensor.HostTensor.numel(w.shape) * w.dtype.bytes();
            graph.message(5, new Proto()
                    .packedInt64(1, w.shape)
                    .int64(2, onnxType(w.dtype))
                    .string(8, rename.get(w))
                    .message(13, new Proto().string(1, "location").string(2, weightsFile))
                    .message(13, new Proto().string(1, "offset").string(2, Long.toString(offsets[i])))
                    .message(13, new Proto().string(1, "length").string(2, Long.toString(bytes)))
                    .int64(14, 1));
        }
        java.util.Set<ONode> inputSet = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        inputSet.addAll(inputs);
        for (ONode x : dataLeaves) {
            if (!inputSet.contains(x)) graph.message(5, tensorProto(rename.get(x), x.value()));
        }
        for (ONode x : inputs) graph.message(11, valueInfo(rename.get(x), x.dtype, x.shape));
        for (ONode o : outputs) graph.message(12, valueInfo(rename.get(o), o.dtype, o.shape));
        return model(graph);
    }

    /** The ModelProto bytes of a graph (the default opset and Microsoft's contrib domain). */
    private static byte[] model(Proto graph) {
        return new Proto()
                .int64(1, IR_VERSION)
                .string(2, "sprint")
                .message(7, graph)
                .message(8, new Proto().string(1, "").int64(2, OPSET))
                .message(8, new Proto().string(1, MS_DOMAIN).int64(2, 1))
                .toByteArray();
    }

    /** A GraphProto holding every node in order, values named by {@code names}. */
    private Proto nodes(Map<ONode, String> names) {
        Proto graph = new Proto();
        for (ONode n : order) {
            Proto node = new Proto();
            for (ONode in : n.inputs()) node.string(1, names.get(in));
            node.string(2, names.get(n));
            opType(node, n.op);
            if (n.attrs != null) {
                n.attrs.entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(e -> node.message(5, attribute(e.getKey(), e.getValue())));
            }
            graph.message(1, node);
        }
        return graph;
    }

    /** The ModelProto bytes computing {@code outputs}, weights as initializers. */
    byte[] encode(List<ONode> outputs, String graphName) {
        return encode(outputs, graphName, false);
    }

    /**
     * The ModelProto bytes computing {@code outputs}; with {@code weightsAsInputs} the weights are graph inputs the
     * caller feeds on every run (ORT then uses their memory as is: no copy per session, no constant folding).
     */
    byte[] encode(List<ONode> outputs, String graphName, boolean weightsAsInputs) {
        Proto graph = nodes(names).string(2, graphName);
        // Weights are declared as external-data initializers; the session overrides each with the
        // checkpoint's own memory (addExternalInitializers), so no weight byte is in the protobuf.
        for (ONode w : weightLeaves) {
            if (weightsAsInputs) graph.message(11, valueInfo(names.get(w), w.dtype, w.shape));
            else graph.message(5, externalInitializer(names.get(w), w.dtype, w.shape));
        }
        for (ONode x : dataLeaves) graph.message(11, valueInfo(names.get(x), x.dtype, x.shape));
        Set<String> written = new HashSet<>();
        for (ONode o : outputs) {
            String name = names.get(o);
            if (written.add(name)) graph.message(12, valueInfo(name, o.dtype, o.shape));
        }
        return model(graph);
    }
}
