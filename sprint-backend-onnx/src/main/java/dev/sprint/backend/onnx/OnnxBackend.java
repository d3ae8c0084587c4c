package dev.sprint.backend.onnx;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.sprint.api.BackendException;
import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.GenerationCancelledException;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.TensorData;
import dev.sprint.core.tensor.UnaryOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tensor API on ONNX Runtime. Operations are not executed one by one: they are recorded as ONNX
 * nodes and run as one graph when a value is needed (a download, or the end of a
 * {@link #call component forward pass}; a call inside a call is inlined). Graphs are encoded canonically,
 * so the same computation on the same shapes and weights maps to the same key and reuses one cached
 * {@link OrtSession} (bounded LRU; evicted sessions are closed). Weights are bound as external
 * initializers over the checkpoint's own memory ({@code addExternalInitializers}, zero copy for F32), so
 * they are never serialised into the protobuf and ORT may fold and pre-pack them.
 *
 * <p>Outside calls (the glue between component passes, such as a sampler's update of its latents), every
 * result a graph computes is kept, not only the one asked for, and values given as Java numbers are fed
 * inputs: each step's glue is then the same small graph with new inputs, and one session serves every
 * step whatever the schedule. Recorded glue is bounded ({@link #MAX_PENDING_DEPTH}, {@link #MAX_PENDING_NODES}).
 * {@link #cancelWhen} lets another thread stop a running graph inside ORT.
 *
 * <p>Where ORT has a fused kernel that is as exact as the composite, it is used (each is covered by the
 * conformance suite): {@code LayerNormalization} for layerNorm, {@code SimplifiedLayerNormalization} for
 * rmsNorm, {@code Gemm(transB=1)} for linear, and the com.microsoft contrib ops {@code Gelu},
 * {@code FastGelu} and {@code QuickGelu} for GELU, GELU-tanh and SiLU/quick-GELU. Graphs written by
 * {@link #export} therefore need ONNX Runtime (or a runtime with those contrib ops).
 *
 * <p>Float type: F32, or F16 when opened on CUDA with float16 precision (weights converted once).
 */
public final class OnnxBackend implements TensorBackend {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxBackend.class);

    /**
     * How sessions are made.
     *
     * @param threads        intra-op threads per session, 0 = ORT's default (one per physical core)
     * @param interOpThreads inter-op threads, used only in PARALLEL execution mode; 0 = ORT's default
     * @param mode           SEQUENTIAL (default) or PARALLEL (independent branches run concurrently)
     * @param cacheSize      sessions kept (LRU); an evicted session is closed
     * @param half           compute in float16 (only honoured on CUDA)
     * @param prepack        let ORT pre-pack constant weights per session (faster GEMMs; one packed copy of
     *                       the weights per cached session)
     * @param optimization   ORT's graph optimization level
     * @param memoryArena    ORT's CPU memory arena (reuses activation memory across runs; never returns it to the OS)
     * @param weightsAsInputs feed weights as graph inputs on every run instead of binding them as initializers: ORT
     *                       1.29 copies every external initializer into each session (a weight used by two graphs is
     *                       held three times), while fed inputs are used in place; the price is no constant folding
     *                       or pre-packing of weights
     */
    record Settings(int threads, int interOpThreads, OrtSession.SessionOptions.ExecutionMode mode, int cacheSize,
                    boolean half, boolean prepack, OrtSession.SessionOptions.OptLevel optimization, boolean memoryArena,
                    boolean weightsAsInputs) {
        Settings(int threads, int interOpThreads, OrtSession.SessionOptions.ExecutionMode mode, int cacheSize,
                 boolean half, boolean prepack) {
            this(threads, interOpThreads, mode, cacheSize, half, prepack, OrtSession.SessionOptions.OptLevel.ALL_OPT, true, false);
        }

        Settings {
            if (cacheSize < 1) throw new BackendUnavailableException("onnx.sessionCache must be >= 1, got " + cacheSize);
            if (threads < 0 || interOpThreads < 0) {
                throw new BackendUnavailableException("ONNX thread counts must be >= 0, got " + threads + " and " + interOpThreads);
            }
        }
    }

    /** A cached session with what must outlive it: its options and the weight tensors bound to it. */
    private record Cached(OrtSession session, OrtSession.SessionOptions options, List<OnnxTensor> weights) {
        void close() {
            try {
                session.close();
            } catch (OrtException e) {
                LOG.warn("closing an ONNX session failed: {}", e.getMessage());
            }
            options.close();
            weights.forEach(OnnxTensor::close); // wrappers only: the weight memory itself is the checkpoint's
        }
    }

    /**
     * Cache key: the canonical graph bytes AND the identity of the weights bound to it, since weights are
     * initializers baked into a session (two models with the same shapes must not share a session).
     */
    private record Key(ByteBuffer model, List<Long> weightIds) {}

    private final OrtEnvironment env;
    private final String device;
    private final boolean cuda;
    private final int cudaDevice;
    private final Settings settings;
    private final DType floatType;
    private final AtomicLong ids = new AtomicLong();
    private final LinkedHashMap<Key, Cached> sessions;
    private final ThreadLocal<int[]> tracing = ThreadLocal.withInitial(() -> new int[1]);
    private final Map<String, long[]> callStats = new LinkedHashMap<>();
    private final ThreadLocal<BooleanSupplier> cancelChecks = new ThreadLocal<>();
    private java.util.concurrent.ScheduledExecutorService watchdog;
    private volatile boolean closed;
    private int largestEagerGraph;
    private long sessionsCreated;
    private long sessionsEvicted;
    private double sessionMillis;

    OnnxBackend(OrtEnvironment env, String device, boolean cuda, int cudaDevice, Settings settings) {
        this.env = env;
        this.device = device;
        this.cuda = cuda;
        this.cudaDevice = cudaDevice;
        this.settings = settings;
        this.floatType = cuda && settings.half() ? DType.F16 : DType.F32;
        this.sessions = new LinkedHashMap<>(16, 0.75f, true);
    }

    @Override
    public String name() {
        return "onnx";
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public DType floatType() {
        return floatType;
    }

    /** Number of ONNX Runtime sessions created so far (each distinct graph structure creates one). */
    public synchronized long sessionsCreated() {
        return sessionsCreated;
    }

    /** Number of sessions closed because the cache was full. */
    public synchronized long sessionsEvicted() {
        return sessionsEvicted;
    }

    /** Sessions currently cached (at most the {@code onnx.sessionCache} setting). */
    public synchronized int sessionsCached() {
        return sessions.size();
    }

    /** The cached sessions, least recently used first (for tests). */
    synchronized List<OrtSession> cachedSessions() {
        List<OrtSession> out = new ArrayList<>();
        for (Cached c : sessions.values()) out.add(c.session());
        return out;
    }

    /**
     * Sessions created so far and the milliseconds spent creating them (graph optimisation included),
     * then per graph name: runs, sessions created, milliseconds creating sessions, milliseconds running
     * (feeding inputs and copying outputs included), and milliseconds encoding graphs on the Java side.
     */
    public synchronized String sessionStats() {
        StringBuilder b = new StringBuilder().append(sessionsCreated).append(" sessions, ")
                .append(String.format(java.util.Locale.ROOT, "%.1f", sessionMillis)).append(" ms");
        callStats.forEach((name, v) -> b.append(String.format(java.util.Locale.ROOT,
                "; %s: %d runs, %d sessions %.1f ms, run %.1f ms, graph encoding %.1f ms",
                name, v[0], v[1], v[2] / 1e6, v[3] / 1e6, v[4] / 1e6)));
        return b.toString();
    }

    // ---- node construction ---------------------------------------------------------------------------

    private ONode node(ONode n) {
        return n;
    }

    private ONode leaf(HostTensor value, boolean weight) {
        ONode n = new ONode(this, ids.incrementAndGet(), value.shape(), value.dtype(), null, List.of(), null, weight, -1, value,
                false);
        if (weight) {
            WeightArena a = building.get();
            if (a != null) a.add(n);
        }
        return n;
    }

    /** The arena whose {@link dev.sprint.core.tensor.Arena#build} runs on this thread, if any. */
    private final ThreadLocal<WeightArena> building = new ThreadLocal<>();

    /**
     * Weights built in an arena are released with it: the cached sessions they are bound to are closed, and the
     * direct buffers this backend converted them into are freed at once (a checkpoint's own mapped memory is
     * released when its file closes). What a low-memory plan does when it moves on to another component.
     */
    @Override
    public dev.sprint.core.tensor.Arena newArena() {
        return new WeightArena();
    }

    private final class WeightArena implements dev.sprint.core.tensor.Arena {
        private final List<ONode> leaves = new ArrayList<>();
        private boolean closed;

        synchronized void add(ONode n) {
            leaves.add(n);
        }

        @Override
        public <T> T build(java.util.function.Supplier<T> f) {
            if (closed) throw new BackendException("the arena was closed");
            WeightArena outer = building.get();
            building.set(this);
            try {
                return f.get();
            } finally {
                if (outer == null) building.remove();
                else building.set(outer);
            }
        }

        @Override
        public void close() {
            List<ONode> mine;
            synchronized (this) {
                if (closed) return;
                closed = true;
                mine = new ArrayList<>(leaves);
                leaves.clear();
            }
            java.util.Set<Long> ids = new java.util.HashSet<>();
            for (ONode n : mine) ids.add(n.id);
            synchronized (OnnxBackend.this) {
                var it = sessions.entrySet().iterator();
                while (it.hasNext()) {
                    var e = it.next();
                    if (e.getKey().weightIds().stream().anyMatch(ids::contains)) {
                        e.getValue().close();
                        it.remove();
                    }
                }
            }
            for (ONode n : mine) DirectBuffers.free(owned.remove(n.value().data()));
        }
    }

    private ONode op(String op, long[] shape, DType dtype, Map<String, Object> attrs, ONode... inputs) {
        boolean eager = tracing.get()[0] == 0;
        if (eager) boundPending(inputs);
        return new ONode(this, ids.incrementAndGet(), shape, dtype, op, List.of(inputs), attrs, false, -1, null, eager);
    }

    /** Longest chain of pending eager operations a graph may get (see {@link #boundPending}). */
    static final int MAX_PENDING_DEPTH = 256;
    /** Most pending eager operations behind one node (see {@link #boundPending}). */
    static final long MAX_PENDING_NODES = 2048;

    /**
     * Keeps the glue recorded between component passes bounded, whatever the caller records: when a new
     * eager operation would end a chain of more than {@link #MAX_PENDING_DEPTH} pending operations, or sit
     * on more than {@link #MAX_PENDING_NODES}, its operands are run first (in groups of at most that many
     * operations) and the new operation starts from their values. A loop that never reads a value back
     * therefore runs as a repetition of one bounded graph (one cached session), not as one ever deeper graph.
     */
    private void boundPending(ONode[] inputs) {
        int depth = 0;
        long size = 0;
        for (ONode in : inputs) {
            depth = Math.max(depth, in.pendingDepth());
            size += in.pendingSize();
        }
        if (depth < MAX_PENDING_DEPTH && size < MAX_PENDING_NODES) return;
        List<ONode> group = new ArrayList<>();
        long groupSize = 0;
        for (ONode in : inputs) {
            long s = in.pendingSize();
            if (s == 0) continue;
            if (!group.isEmpty() && groupSize + s > MAX_PENDING_NODES) {
                evaluate(group, "pending operations");
                group = new ArrayList<>();
                groupSize = 0;
            }
            group.add(in);
            groupSize += s;
        }
        if (!group.isEmpty()) evaluate(group, "pending operations");
    }

    private static ONode n(Tensor t) {
        if (t instanceof ONode o) return o;
        throw new BackendException("tensor " + t + " does not belong to the ONNX backend");
    }

    /** A constant: embedded in the graph inside a traced call, a fed input outside (so values may change). */
    private ONode constant(HostTensor v) {
        if (tracing.get()[0] > 0) return op("Constant", v.shape(), v.dtype(), Map.of("value", v));
        return leaf(v, false);
    }

    private ONode scalarLike(double v, DType t) {
        HostTensor h = switch (t) {
            case F64 -> HostTensor.ofDoubles(new double[] {v});
            case I64 -> HostTensor.ofLongs(new long[] {(long) v});
            default -> HostTensor.ofFloats(new float[] {(float) v});
        };
        if (t != DType.F32 && t != DType.F64 && t != DType.I64) {
            return op("Cast", new long[0], t, Map.of("to", (long) GraphEncoder.onnxType(t)), constant(h.reshape()));
        }
        return constant(h.reshape());
    }

    private ONode shapeConst(long[] v) {
        // shapes, axes and indices are always embedded: ORT needs them known to plan the graph
        return op("Constant", new long[] {v.length}, DType.I64, Map.of("value", HostTensor.ofLongs(v, v.length)));
    }

    // ---- data movement -------------------------------------------------------------------------------

    @Override
    public Scope newScope() {
        // Host memory of nodes is garbage-collected; scopes only need to keep the nesting contract.
        return new Scope() {
            @Override
            public Tensor keep(Tensor t) {
                return t;
            }

            @Override
            public void close() {}
        };
    }

    /** Operations are recorded and run as graphs (a component pass at a time). */
    @Override
    public boolean isEager() {
        return false;
    }

    /** Weights are direct buffers bound to sessions as external initializers. */
    @Override
    public boolean weightsInDirectMemory() {
        return true;
    }

    @Override
    public Tensor upload(HostTensor data, DType dtype) {
        return leaf(convert(data, dtype), false);
    }

    /**
     * A checkpoint weight in the compute type, bound to sessions as an external initializer. A memory-mapped
     * tensor already in that type is used in place (zero copy); otherwise the tensor is converted in bounded
     * chunks straight into one direct buffer (no whole-tensor Java array, no second copy). A tensor over 2 GiB
     * (one buffer's limit) becomes several row blocks joined by a Concat in the graph.
     */
    @Override
    public Tensor weight(TensorData data) {
        DType t = data.dtype().isFloating() ? floatType() : data.dtype();
        if (data.numel() * t.bytes() <= MAX_WEIGHT_BUFFER && data.dtype() == t) {
            HostTensor h = data.host();
            if (h.data().isDirect()) return leaf(h, true);
        }
        List<HostTensor> parts = weightParts(data, t, MAX_WEIGHT_BUFFER, this::own);
        if (parts.size() == 1) return leaf(parts.get(0), true);
        List<Tensor> leaves = new ArrayList<>(parts.size());
        for (HostTensor p : parts) leaves.add(leaf(p, true));
        return concat(leaves, 0);
    }

    /**
     * {@code data} converted to {@code t} in direct buffers of at most {@code limit} bytes: one buffer, or blocks
     * of whole rows (dimension 0) when the tensor is larger.
     */
    static List<HostTensor> weightParts(TensorData data, DType t, long limit) {
        return weightParts(data, t, limit, (view, buffer) -> {});
    }

    /** {@link #weightParts(TensorData, DType, long)} telling {@code own} each part's view and the buffer it allocated. */
    static List<HostTensor> weightParts(TensorData data, DType t, long limit,
                                        java.util.function.BiConsumer<ByteBuffer, ByteBuffer> own) {
        long[] shape = data.shape();
        if (data.numel() * t.bytes() <= limit) return List.of(streamed(data, t, 0, data.numel(), shape, own));
        long rowElems = shape.length == 0 ? 1 : data.numel() / Math.max(1, shape[0]);
        if (shape.length < 2 || rowElems * t.bytes() > limit) {
            throw new BackendException("weight " + data + " (" + data.numel() * t.bytes() + " bytes) is too large for the "
                    + "ONNX backend: one row does not fit a " + limit + "-byte buffer");
        }
        long rowsPerPart = limit / (rowElems * t.bytes());
        List<HostTensor> parts = new ArrayList<>();
        for (long r = 0; r < shape[0]; r += rowsPerPart) {
            long rows = Math.min(rowsPerPart, shape[0] - r);
            long[] ps = shape.clone();
            ps[0] = rows;
            parts.add(streamed(data, t, r * rowElems, rows * rowElems, ps, own));
        }
        return parts;
    }

    /** Largest single weight buffer (one direct ByteBuffer). */
    static final long MAX_WEIGHT_BUFFER = Integer.MAX_VALUE - 8;

    private static HostTensor streamed(TensorData data, DType t, long start, long count, long[] shape,
                                       java.util.function.BiConsumer<ByteBuffer, ByteBuffer> own) {
        ByteBuffer out = ByteBuffer.allocateDirect((int) (count * t.bytes())).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer scratch = ByteBuffer.allocate((int) Math.min(count, TensorData.CHUNK_ELEMENTS) * data.dtype().bytes());
        for (long s = 0; s < count; s += TensorData.CHUNK_ELEMENTS) {
            int c = (int) Math.min(TensorData.CHUNK_ELEMENTS, count - s);
            data.readAs(t, start + s, c, out, scratch);
        }
        out.flip();
        HostTensor h = new HostTensor(t, shape, out);
        own.accept(h.data(), out);
        return h;
    }

    /** Direct buffers this backend converted weights into, by the view their HostTensor holds (freed with an arena). */
    private final Map<ByteBuffer, ByteBuffer> owned = java.util.Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private void own(ByteBuffer view, ByteBuffer buffer) {
        owned.put(view, buffer);
    }

    private static ByteBuffer direct(ByteBuffer b) {
        ByteBuffer d = ByteBuffer.allocateDirect(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        d.put(b.duplicate());
        d.flip();
        return d;
    }

    private static HostTensor convert(HostTensor h, DType t) {
        if (h.dtype() == t) return h;
        if (t == DType.F16) { // float16 compute (CUDA): round like PyTorch's .half()
            float[] v = h.toFloats();
            // direct: a converted weight is then bound to sessions without another copy
            ByteBuffer b = ByteBuffer.allocateDirect(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : v) b.putShort(dev.sprint.core.tensor.Half.fromFloat(f));
            b.flip();
            return new HostTensor(DType.F16, h.shape(), b);
        }
        if (t == DType.F32) return HostTensor.ofFloats(h.toFloats(), h.shape());
        if (t == DType.I64) return HostTensor.ofLongs(h.toLongs(), h.shape());
        if (t == DType.F64) return HostTensor.ofDoubles(h.toDoubles(), h.shape());
        throw new BackendException("the ONNX backend cannot upload " + h.dtype() + " as " + t);
    }

    @Override
    public HostTensor download(Tensor t) {
        ONode node = n(t);
        evaluate(List.of(node), "download");
        return node.value();
    }

    @Override
    public Tensor full(double value, DType dtype, long... shape) {
        if (shape.length == 0) return scalarLike(value, dtype);
        ONode v = scalarLike(value, dtype);
        ONode one = op("Reshape", new long[] {1}, dtype, null, v, shapeConst(new long[] {1}));
        return op("Expand", shape.clone(), dtype, null, one, shapeConst(shape));
    }

    // ---- elementwise ---------------------------------------------------------------------------------


    private Tensor binary(String op, Tensor a, Tensor b) {
        ONode x = n(a);
        ONode y = n(b);
        return op(op, TensorBackend.broadcastShapes(x.shape, y.shape), x.dtype, null, x, y);
    }

    @Override public Tensor add(Tensor a, Tensor b) { return binary("Add", a, b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return binary("Sub", a, b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return binary("Mul", a, b); }
    @Override public Tensor div(Tensor a, Tensor b) { return binary("Div", a, b); }

    @Override
    public Tensor addScalar(Tensor a, double v) {
        ONode x = n(a);
        return op("Add", x.shape, x.dtype, null, x, scalarLike(v, x.dtype));
    }

    @Override
    public Tensor mulScalar(Tensor a, double v) {
        ONode x = n(a);
        return op("Mul", x.shape, x.dtype, null, x, scalarLike(v, x.dtype));
    }

    @Override
    public Tensor powScalar(Tensor a, double p) {
        ONode x = n(a);
        return op("Pow", x.shape, x.dtype, null, x, scalarLike(p, x.dtype));
    }

    /** Prefix of ONNX Runtime contrib ops (com.microsoft domain). */
    private static final String MS = GraphEncoder.MS_DOMAIN + ":";

    private ONode un(String op, ONode x) {
        return op(op, x.shape, x.dtype, null, x);
    }

    @Override
    public Tensor unary(Tensor a, UnaryOp o) {
        ONode x = n(a);
        return switch (o) {
            case NEG -> un("Neg", x);
            case ABS -> un("Abs", x);
            case EXP -> un("Exp", x);
            case LOG -> un("Log", x);
            case SQRT -> un("Sqrt", x);
            case RSQRT -> un("Reciprocal", un("Sqrt", x));
            case SQUARE -> op("Mul", x.shape, x.dtype, null, x, x);
            case TANH -> un("Tanh", x);
            case SIGMOID -> un("Sigmoid", x);
            case SIN -> un("Sin", x);
            case COS -> un("Cos", x);
            case ERF -> un("Erf", x);
            case RELU -> un("Relu", x);
            // x·σ(αx) is ORT's contrib QuickGelu: one pass over memory instead of three nodes (Mul(αx),
            // Sigmoid, Mul); same logistic kernel as Sigmoid, so it is as exact.
            case SILU -> op(MS + "QuickGelu", x.shape, x.dtype, Map.of("alpha", 1.0), x);
            // GELU (erf) as ORT's contrib Gelu: one kernel for 0.5·x·(1 + erf(x/√2)) instead of five
            // nodes; it uses the same erf kernel as the ONNX Erf op.
            case GELU -> op(MS + "Gelu", x.shape, x.dtype, null, x);
            // GELU_TANH 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))) as ORT's contrib FastGelu (the exact tanh
            // formula, not a further approximation): one kernel instead of nine nodes.
            case GELU_TANH -> op(MS + "FastGelu", x.shape, x.dtype, null, x);
            case QUICK_GELU -> op(MS + "QuickGelu", x.shape, x.dtype, Map.of("alpha", 1.702), x);
        };
    }

    @Override
    public Tensor clamp(Tensor a, double min, double max) {
        ONode x = n(a);
        return op("Clip", x.shape, x.dtype, null, x, scalarLike(min, x.dtype), scalarLike(max, x.dtype));
    }

    // ---- reductions ------------------------------------------------------------------------------

    private static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new BackendException("axis " + axis + " out of range for rank " + rank);
        return a;
    }

    private static long[] reduced(long[] s, int axis, boolean keep) {
        if (keep) {
            long[] o = s.clone();
            o[axis] = 1;
            return o;
        }
        long[] o = new long[s.length - 1];
        for (int i = 0, j = 0; i < s.length; i++) if (i != axis) o[j++] = s[i];
        return o;
    }

    private Tensor reduce(String op, Tensor a, int axis, boolean keep) {
        ONode x = n(a);
        int ax = axis(axis, x.shape.length);
        long[] shape = reduced(x.shape, ax, keep);
        if (op.equals("ReduceSum")) { // opset 13+: axes is an input
            return op(op, shape, x.dtype, Map.of("keepdims", keep ? 1L : 0L), x, shapeConst(new long[] {ax}));
        }
        return op(op, shape, x.dtype, Map.of("keepdims", keep ? 1L : 0L, "axes", new long[] {ax}), x);
    }

    @Override public Tensor sum(Tensor a, int axis, boolean keepDim) { return reduce("ReduceSum", a, axis, keepDim); }
    @Override public Tensor mean(Tensor a, int axis, boolean keepDim) { return reduce("ReduceMean", a, axis, keepDim); }
    @Override public Tensor max(Tensor a, int axis, boolean keepDim) { return reduce("ReduceMax", a, axis, keepDim); }

    @Override
    public Tensor softmax(Tensor a, int axis) {
        ONode x = n(a);
        return op("Softmax", x.shape, x.dtype, Map.of("axis", (long) axis(axis, x.shape.length)), x);
    }

    // ---- linear algebra --------------------------------------------------------------------------

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        ONode x = n(a);
        ONode y = n(b);
        if (x.shape.length < 2 || y.shape.length < 2) throw new BackendException("matmul needs rank >= 2");
        long m = x.shape[x.shape.length - 2];
        long k = x.shape[x.shape.length - 1];
        long k2 = y.shape[y.shape.length - 2];
        long nn = y.shape[y.shape.length - 1];
        if (k != k2) throw new BackendException("matmul " + x.describe() + " x " + y.describe());
        long[] batch = TensorBackend.broadcastShapes(Arrays.copyOf(x.shape, x.shape.length - 2), Arrays.copyOf(y.shape, y.shape.length - 2));
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = m;
        out[batch.length + 1] = nn;
        return op("MatMul", out, x.dtype, null, x, y);
    }

    /**
     * {@code F.linear} as one Gemm(transB=1) on the rows: the weight is read in its checkpoint (out, in)
     * layout, so ORT neither folds a transposed copy of every weight into each session nor needs a
     * separate bias Add; leading axes are flattened into rows and restored (reshapes are free).
     */
    @Override
    public Tensor linear(Tensor xt, Tensor wt, Tensor bt) {
        ONode x = n(xt);
        ONode w = n(wt);
        ONode b = bt == null ? null : n(bt);
        if (x.shape.length < 1 || w.shape.length != 2 || (b != null && b.numel() != w.shape[0])) {
            return TensorBackend.super.linear(xt, wt, bt);
        }
        long in = x.shape[x.shape.length - 1];
        long out = w.shape[0];
        if (in != w.shape[1]) throw new BackendException("linear " + x.describe() + " with weight " + w.describe());
        long rows = x.numel() / Math.max(1, in);
        ONode x2 = x.shape.length == 2 ? x : n(reshape(x, rows, in));
        Map<String, Object> attrs = Map.of("transB", 1L);
        ONode y = b == null ? op("Gemm", new long[] {rows, out}, x.dtype, attrs, x2, w)
                : op("Gemm", new long[] {rows, out}, x.dtype, attrs, x2, w, b.shape.length == 1 ? b : n(reshape(b, out)));
        long[] shape = x.shape.clone();
        shape[shape.length - 1] = out;
        return x.shape.length == 2 ? y : reshape(y, shape);
    }

    /** A norm's per-channel parameter as a 1-D [c] tensor, ones when absent; null if it is not one value per channel. */
    private ONode channelParam(Tensor p, long c, DType t, double fill) {
        if (p == null) {
            float[] v = new float[(int) c];
            java.util.Arrays.fill(v, (float) fill);
            HostTensor h = convert(HostTensor.ofFloats(v, c), t);
            return op("Constant", new long[] {c}, t, Map.of("value", h)); // embedded: the graph stays canonical
        }
        ONode w = n(p);
        if (w.numel() != c || w.dtype != t) return null;
        return w.shape.length == 1 ? w : n(reshape(w, c));
    }

    /**
     * LayerNorm as ONNX's LayerNormalization (opset 17): one kernel instead of the seven-node composite,
     * which ORT would not fuse (it matches only Pow/Div spellings). Statistics are computed per row in one
     * pass; the conformance suite checks it at the standard tolerance, including variance ~ eps.
     */
    @Override
    public Tensor layerNorm(Tensor xt, Tensor weight, Tensor bias, double eps) {
        ONode x = n(xt);
        if (x.shape.length == 0) return TensorBackend.super.layerNorm(xt, weight, bias, eps);
        long c = x.shape[x.shape.length - 1];
        ONode scale = channelParam(weight, c, x.dtype, 1);
        ONode b = bias == null ? null : channelParam(bias, c, x.dtype, 0);
        if (scale == null || (bias != null && b == null)) return TensorBackend.super.layerNorm(xt, weight, bias, eps);
        Map<String, Object> attrs = Map.of("axis", -1L, "epsilon", eps);
        return b == null ? op("LayerNormalization", x.shape, x.dtype, attrs, x, scale)
                : op("LayerNormalization", x.shape, x.dtype, attrs, x, scale, b);
    }

    /**
     * RMSNorm as ORT's SimplifiedLayerNormalization (x·rsqrt(mean(x²)+eps)·scale): one kernel instead of
     * six nodes. ORT registers it in the ONNX domain (opset 1) as its own extension.
     */
    @Override
    public Tensor rmsNorm(Tensor xt, Tensor weight, double eps) {
        ONode x = n(xt);
        if (x.shape.length == 0) return TensorBackend.super.rmsNorm(xt, weight, eps);
        long c = x.shape[x.shape.length - 1];
        ONode scale = channelParam(weight, c, x.dtype, 1);
        if (scale == null) return TensorBackend.super.rmsNorm(xt, weight, eps);
        return op("SimplifiedLayerNormalization", x.shape, x.dtype, Map.of("axis", -1L, "epsilon", eps), x, scale);
    }

    @Override
    public Tensor conv2d(Tensor xt, Tensor wt, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        ONode x = n(xt);
        ONode w = n(wt);
        long oh = (x.shape[2] + 2L * padding[0] - (long) dilation[0] * (w.shape[2] - 1) - 1) / stride[0] + 1;
        long ow = (x.shape[3] + 2L * padding[1] - (long) dilation[1] * (w.shape[3] - 1) - 1) / stride[1] + 1;
        Map<String, Object> attrs = Map.of(
                "strides", new long[] {stride[0], stride[1]},
                "pads", new long[] {padding[0], padding[1], padding[0], padding[1]},
                "dilations", new long[] {dilation[0], dilation[1]},
                "group", (long) groups,
                "kernel_shape", new long[] {w.shape[2], w.shape[3]});
        long[] shape = {x.shape[0], w.shape[0], oh, ow};
        return bias == null ? op("Conv", shape, x.dtype, attrs, x, w) : op("Conv", shape, x.dtype, attrs, x, w, n(bias));
    }

    // ---- shape -----------------------------------------------------------------------------------

    @Override
    public Tensor reshape(Tensor a, long... shape) {
        ONode x = n(a);
        long[] s = shape.clone();
        long known = 1;
        int infer = -1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new BackendException("two -1 in reshape " + Arrays.toString(shape));
                infer = i;
            } else {
                known *= s[i];
            }
        }
        long numel = x.numel();
        if (infer >= 0) s[infer] = known == 0 ? 0 : numel / known;
        if (HostTensor.numel(s) != numel) {
            throw new BackendException("cannot reshape " + x.describe() + " to " + Arrays.toString(shape));
        }
        return op("Reshape", s, x.dtype, null, x, shapeConst(s));
    }

    @Override
    public Tensor permute(Tensor a, int... axes) {
        ONode x = n(a);
        long[] perm = new long[axes.length];
        long[] s = new long[axes.length];
        for (int i = 0; i < axes.length; i++) {
            perm[i] = axis(axes[i], axes.length);
            s[i] = x.shape[(int) perm[i]];
        }
        return op("Transpose", s, x.dtype, Map.of("perm", perm), x);
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        ONode first = n(parts.get(0));
        int ax = axis(axis, first.shape.length);
        long[] s = first.shape.clone();
        s[ax] = 0;
        ONode[] in = new ONode[parts.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = n(parts.get(i));
            s[ax] += in[i].shape[ax];
        }
        if (in.length == 1) return in[0];
        return op("Concat", s, first.dtype, Map.of("axis", (long) ax), in);
    }

    @Override
    public Tensor slice(Tensor a, int axis, long start, long end) {
        ONode x = n(a);
        int ax = axis(axis, x.shape.length);
        long len = x.shape[ax];
        long[] bounds = TensorBackend.sliceBounds(start, end, len);
        long s0 = bounds[0];
        long e0 = bounds[1];
        long[] s = x.shape.clone();
        s[ax] = e0 - s0;
        if (s0 == 0 && e0 == len) return x;
        return op("Slice", s, x.dtype, null, x, shapeConst(new long[] {s0}), shapeConst(new long[] {e0}),
                shapeConst(new long[] {ax}));
    }

    @Override
    public Tensor indexSelect(Tensor a, int axis, Tensor indices) {
        ONode x = n(a);
        ONode idx = n(indices);
        int ax = axis(axis, x.shape.length);
        long[] s = x.shape.clone();
        s[ax] = idx.numel();
        return op("Gather", s, x.dtype, Map.of("axis", (long) ax), x, idx);
    }

    @Override
    public Tensor broadcastTo(Tensor a, long... shape) {
        ONode x = n(a);
        long[] s = TensorBackend.broadcastShapes(x.shape, shape);
        if (!Arrays.equals(s, shape)) {
            throw new BackendException("cannot broadcast " + x.describe() + " to " + Arrays.toString(shape));
        }
        return op("Expand", shape.clone(), x.dtype, null, x, shapeConst(shape));
    }

    @Override
    public Tensor cast(Tensor a, DType dtype) {
        ONode x = n(a);
        if (x.dtype == dtype) return x;
        return op("Cast", x.shape, dtype, Map.of("to", (long) GraphEncoder.onnxType(dtype)), x);
    }

    // ---- execution -------------------------------------------------------------------------------

    @Override
    public List<Tensor> call(String name, List<Tensor> inputs, Function<List<Tensor>, List<Tensor>> fn) {
        int[] depth = tracing.get();
        // a call inside a call (or inside an export) is inlined into the enclosing graph
        if (depth[0] > 0) return fn.apply(inputs);
        List<ONode> in = new ArrayList<>(inputs.size());
        for (Tensor t : inputs) in.add(n(t));
        evaluate(in, name + ":inputs");
        List<ONode> outs = trace(in, fn);
        evaluate(outs, name);
        return new ArrayList<>(outs);
    }

    /** Records {@code fn} on {@code in} inside a traced call: its operations stay pending, nothing runs. */
    private List<ONode> trace(List<ONode> in, Function<List<Tensor>, List<Tensor>> fn) {
        int[] depth = tracing.get();
        List<Tensor> out;
        depth[0]++;
        try {
            out = fn.apply(new ArrayList<>(in));
        } finally {
            depth[0]--;
        }
        List<ONode> outs = new ArrayList<>(out.size());
        for (Tensor t : out) outs.add(n(t));
        return outs;
    }

    /**
     * Traces {@code fn} on inputs of the given shapes without running it and writes {@code <name>.onnx}
     * plus {@code <name>.weights} (external data) into {@code dir}: a graph any ONNX Runtime can load.
     * Inputs are named {@code inputNames}, outputs {@code outputNames}.
     *
     * @return the written model file
     */
    public java.nio.file.Path export(String name, List<HostTensor> sampleInputs, List<String> inputNames,
                                     List<String> outputNames, Function<List<Tensor>, List<Tensor>> fn,
                                     java.nio.file.Path dir) {
        List<ONode> in = new ArrayList<>();
        for (HostTensor h : sampleInputs) in.add(leaf(h, false));
        List<ONode> outs = trace(in, fn);
        if (outs.size() != outputNames.size() || in.size() != inputNames.size()) {
            throw new BackendException("names do not match the inputs/outputs of " + name);
        }
        GraphEncoder g = new GraphEncoder(outs);
        long[] offsets = new long[g.weightLeaves.size()];
        String weightsFile = name + ".weights";
        try {
            java.nio.file.Files.createDirectories(dir);
            try (var ch = java.nio.channels.FileChannel.open(dir.resolve(weightsFile),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
                    java.nio.file.StandardOpenOption.WRITE)) {
                long pos = 0;
                for (int i = 0; i < offsets.length; i++) {
                    offsets[i] = pos;
                    ByteBuffer b = g.weightLeaves.get(i).value().data().duplicate();
                    while (b.hasRemaining()) pos += ch.write(b);
                    long pad = (64 - pos % 64) % 64; // keep every tensor 64-byte aligned for mmap-friendly loading
                    if (pad > 0) pos += ch.write(ByteBuffer.allocate((int) pad));
                }
            }
            byte[] model = g.encodeForExport(outs, in, inputNames, outputNames, weightsFile, offsets);
            java.nio.file.Path file = dir.resolve(name + ".onnx");
            java.nio.file.Files.write(file, model);
            LOG.info("exported {} ({} nodes, {} weights) to {}", name, g.order.size(), offsets.length, file);
            return file;
        } catch (java.io.IOException e) {
            throw new BackendException("cannot write ONNX export to " + dir + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs the pending operations behind {@code nodes} as one graph and stores their values, and those of
     * every eager operation in that graph ({@link ONode#materialise}): glue code uses its tensors again
     * (a sampler's latents feed the next step), and a result that was not kept would be recomputed by
     * every later graph needing it, each one a step longer than the last, so a new graph and session per
     * step. Kept, every graph between two component passes holds only the glue recorded since the last
     * one: the same graph, hence the same session, at every step.
     */
    synchronized void evaluate(List<ONode> nodes, String what) {
        if (closed) throw new BackendException("ONNX backend is closed");
        List<ONode> pending = new ArrayList<>();
        for (ONode x : nodes) if (x.value() == null && !pending.contains(x)) pending.add(x);
        if (pending.isEmpty()) return;
        BooleanSupplier cancelled = cancelChecks.get();
        if (cancelled != null && cancelled.getAsBoolean()) { // before any work, session creation included
            throw new GenerationCancelledException("generation cancelled before running '" + what + "'");
        }
        long tEncode = System.nanoTime();
        GraphEncoder g = new GraphEncoder(pending);
        java.util.Set<ONode> requested = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        requested.addAll(pending);
        List<ONode> outputs = new ArrayList<>();
        int eager = 0;
        for (ONode x : g.order) {
            if (x.materialise()) eager++;
            if (requested.contains(x) || x.materialise()) outputs.add(x); // canonical order: the graph's own
        }
        largestEagerGraph = Math.max(largestEagerGraph, eager);
        byte[] model = g.encode(outputs, what, settings.weightsAsInputs());
        long[] stats = callStats.computeIfAbsent(what, k -> new long[5]);
        stats[4] += System.nanoTime() - tEncode;
        try {
            OrtSession session = session(model, g, what, stats);
            long t0 = System.nanoTime();
            Map<String, OnnxTensor> feeds = new HashMap<>();
            try (OrtSession.RunOptions options = new OrtSession.RunOptions();
                 RunWatch watch = cancelled == null ? null : new RunWatch(options, cancelled)) {
                for (ONode x : g.dataLeaves) feeds.put(g.names.get(x), toOrt(x.value()));
                if (settings.weightsAsInputs()) { // wrappers over the weights' own memory, no copy
                    for (ONode w : g.weightLeaves) feeds.put(g.names.get(w), toOrt(w.value()));
                }
                try (OrtSession.Result r = session.run(feeds, options)) {
                    for (ONode x : outputs) {
                        OnnxValue v = r.get(g.names.get(x)).orElseThrow();
                        x.setValue(fromOrt((OnnxTensor) v, x));
                    }
                } catch (OrtException e) {
                    if (watch != null && watch.fired()) {
                        throw new GenerationCancelledException("generation cancelled while running '" + what + "'");
                    }
                    throw e;
                }
            } finally {
                feeds.values().forEach(OnnxTensor::close);
            }
            stats[0]++;
            stats[3] += System.nanoTime() - t0;
        } catch (OrtException e) {
            throw new BackendException("ONNX Runtime failed running '" + what + "': " + e.getMessage(), e);
        }
    }

    /** Most eager (glue) operations one graph has had so far (bounded by {@link #boundPending}; for tests). */
    synchronized int largestEagerGraph() {
        return largestEagerGraph;
    }

    // ---- cancellation ----------------------------------------------------------------------------

    /** How often a running graph's cancellation check is polled. */
    static final long CANCEL_POLL_MILLIS = 5;

    /**
     * While the returned registration is open, every graph this thread runs is watched: {@code cancelled}
     * is asked before it starts and every {@value #CANCEL_POLL_MILLIS} ms while ORT runs it; once true, ORT
     * is told to stop ({@link OrtSession.RunOptions#setTerminate}: it stops at the next node) and the
     * call throws {@link GenerationCancelledException}. Nothing is left half-done: the graph's results are
     * simply not stored, and the backend (its sessions included) stays usable. Registrations nest (either
     * check cancels) and must be closed on the thread that opened them, innermost first.
     */
    @Override
    public Registration cancelWhen(BooleanSupplier cancelled) {
        java.util.Objects.requireNonNull(cancelled, "cancelled");
        BooleanSupplier outer = cancelChecks.get();
        BooleanSupplier check = outer == null ? cancelled : () -> outer.getAsBoolean() || cancelled.getAsBoolean();
        cancelChecks.set(check);
        Thread owner = Thread.currentThread();
        return new Registration() {
            private boolean closed;

            @Override
            public void close() {
                if (closed) return;
                if (Thread.currentThread() != owner || cancelChecks.get() != check) {
                    throw new BackendException("a cancellation registration must be closed on its thread, innermost first");
                }
                closed = true;
                if (outer == null) cancelChecks.remove(); else cancelChecks.set(outer);
            }
        };
    }

    private synchronized java.util.concurrent.ScheduledExecutorService watchdog() {
        if (watchdog == null) {
            java.util.concurrent.ScheduledThreadPoolExecutor w = new java.util.concurrent.ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "sprint-onnx-cancel");
                t.setDaemon(true);
                return t;
            });
            w.setRemoveOnCancelPolicy(true);
            watchdog = w;
        }
        return watchdog;
    }

    /** Polls a cancellation check while one graph runs and terminates the run once it is true. */
    private final class RunWatch implements AutoCloseable {
        private final OrtSession.RunOptions options;
        private final BooleanSupplier cancelled;
        private final java.util.concurrent.ScheduledFuture<?> task;
        private boolean done;
        private volatile boolean fired;

        RunWatch(OrtSession.RunOptions options, BooleanSupplier cancelled) {
            this.options = options;
            this.cancelled = cancelled;
            this.task = watchdog().scheduleWithFixedDelay(this::poll, CANCEL_POLL_MILLIS, CANCEL_POLL_MILLIS,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        private synchronized void poll() {
            if (done || fired) return;
            boolean stop;
            try {
                stop = cancelled.getAsBoolean();
            } catch (RuntimeException e) { // a broken check must not kill the watchdog thread
                LOG.warn("cancellation check failed: {}", e.toString());
                return;
            }
            if (!stop) return;
            try {
                options.setTerminate(true);
                fired = true;
            } catch (OrtException e) {
                LOG.warn("could not stop an ONNX Runtime run: {}", e.getMessage());
            }
        }

        boolean fired() {
            return fired;
        }

        @Override
        public void close() {
            task.cancel(false);
            synchronized (this) { // a poll in progress finishes before the run options are closed
                done = true;
            }
        }
    }

    private OrtSession session(byte[] model, GraphEncoder g, String what, long[] stats) throws OrtException {
        List<Long> weightIds = new ArrayList<>(g.weightLeaves.size());
        for (ONode w : g.weightLeaves) weightIds.add(w.id);
        Key key = new Key(ByteBuffer.wrap(model), weightIds);
        Cached c = sessions.get(key);
        if (c != null) return c.session();
        long t0 = System.nanoTime();
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        List<OnnxTensor> weights = new ArrayList<>(g.weightLeaves.size());
        OrtSession s;
        try {
            opts.setOptimizationLevel(settings.optimization());
            if (!settings.memoryArena()) opts.setCPUArenaAllocator(false);
            if (settings.threads() > 0) opts.setIntraOpNumThreads(settings.threads());
            opts.setExecutionMode(settings.mode());
            if (settings.interOpThreads() > 0) opts.setInterOpNumThreads(settings.interOpThreads());
            if (!settings.prepack()) opts.addConfigEntry("session.disable_prepacking", "1");
            if (cuda) opts.addCUDA(cudaDevice);
            Map<String, ai.onnxruntime.OnnxTensorLike> init = new HashMap<>();
            for (ONode w : settings.weightsAsInputs() ? List.<ONode>of() : g.weightLeaves) {
                OnnxTensor t = toOrt(w.value()); // a wrapper over the weight's direct memory, no copy
                weights.add(t);
                init.put(g.names.get(w), t);
            }
            if (!init.isEmpty()) opts.addExternalInitializers(init); // ORT 1.29 copies these into the session
            s = env.createSession(model, opts);
        } catch (OrtException | RuntimeException e) {
            opts.close();
            weights.forEach(OnnxTensor::close);
            throw e;
        }
        long nanos = System.nanoTime() - t0;
        sessionsCreated++;
        sessionMillis += nanos / 1e6;
        stats[1]++;
        stats[2] += nanos;
        // a slow creation (graph optimisation, weight pre-packing of a large model) is worth telling the host
        // once: it is the first-call cost of this graph, later calls with the same shapes reuse the session
        boolean slow = nanos >= 1_000_000_000L;
        String msg = "ONNX session for '{}': {} nodes, {} weights, {} KB graph, created in {} ms";
        Object[] args = {what, g.order.size(), g.weightLeaves.size(), model.length / 1024,
                String.format(java.util.Locale.ROOT, "%.1f", nanos / 1e6)};
        if (slow) LOG.info(msg, args); else LOG.debug(msg, args);
        sessions.put(key, new Cached(s, opts, weights));
        while (sessions.size() > settings.cacheSize()) {
            var eldest = sessions.entrySet().iterator().next();
            sessions.remove(eldest.getKey());
            eldest.getValue().close();
            sessionsEvicted++;
            LOG.debug("evicted an ONNX session (cache size {})", settings.cacheSize());
        }
        return s;
    }

    private OnnxTensor toOrt(HostTensor h) throws OrtException {
        ByteBuffer b = h.data();
        if (!b.isDirect()) b = direct(b);
        OnnxJavaType t = switch (h.dtype()) {
            case F32 -> OnnxJavaType.FLOAT;
            case F64 -> OnnxJavaType.DOUBLE;
            case I64 -> OnnxJavaType.INT64;
            case I32 -> OnnxJavaType.INT32;
            case U8 -> OnnxJavaType.UINT8;
            case I8 -> OnnxJavaType.INT8;
            case I16 -> OnnxJavaType.INT16;
            case BOOL -> OnnxJavaType.BOOL;
            case F16 -> OnnxJavaType.FLOAT16;
            case BF16 -> OnnxJavaType.BFLOAT16;
        };
        return OnnxTensor.createTensor(env, b.order(ByteOrder.nativeOrder()), h.shape(), t);
    }

    private static HostTensor fromOrt(OnnxTensor t, ONode x) {
        ByteBuffer b = t.getByteBuffer();
        ByteBuffer copy = ByteBuffer.allocate(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(b.order(ByteOrder.nativeOrder()));
        copy.flip();
        return new HostTensor(x.dtype, x.shape, copy);
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (watchdog != null) watchdog.shutdownNow();
        sessions.values().forEach(Cached::close);
        sessions.clear();
        synchronized (owned) {
            owned.values().forEach(DirectBuffers::free);
            owned.clear();
        }
    }
}
