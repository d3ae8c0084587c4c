package dev.sprint.backend.djl;

import ai.djl.Device;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import dev.sprint.api.BackendException;
import dev.sprint.core.tensor.Arena;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.Half;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.TensorData;
import dev.sprint.core.tensor.UnaryOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.Supplier;

/**
 * The tensor API on DJL's NDArray with the PyTorch engine (libtorch), eager, on CPU or CUDA.
 * Obtain one through {@link DjlBackendProvider} (or {@code Backends.select("djl")}).
 *
 * <p>Memory: DJL attaches an operation's result to the manager of its first input, which for a
 * weight is the backend's long-lived root manager. Every result is therefore re-attached to the
 * calling thread's innermost open {@link Scope} (an NDManager sub-manager on a per-thread stack), so
 * closing the scope frees all intermediates of a forward pass. Weights and tensors made outside
 * any scope live in the root manager until {@link #close()}.
 *
 * <p>Uploads of float32 data from a read-only direct buffer (a memory-mapped checkpoint) alias
 * that memory on CPU instead of copying it; other data is copied. bfloat16 never reaches libtorch
 * (DJL's bf16 path crashes the JVM): it is converted in Java.
 *
 * <p>Kernel time (wall time spent inside DJL calls) is accumulated per thread for the benchmark's
 * "time outside backend kernels" figure.
 */
public final class DjlBackend implements TensorBackend {
    private final NDManager root;
    private final Device device;
    private final DType floatType;
    private final ThreadLocal<Deque<NDManager>> scopes = ThreadLocal.withInitial(ArrayDeque::new);
    private final ThreadLocal<long[]> kernelNanos = ThreadLocal.withInitial(() -> new long[1]);
    /** Per-thread chunk buffers of {@link #weight} streaming: converted values, and the source bytes. */
    private final ThreadLocal<ByteBuffer[]> chunkBuffers = ThreadLocal.withInitial(() -> new ByteBuffer[] {
            ByteBuffer.allocateDirect(TensorData.CHUNK_ELEMENTS * 8).order(ByteOrder.nativeOrder()),
            ByteBuffer.allocateDirect(TensorData.CHUNK_ELEMENTS * 8).order(ByteOrder.LITTLE_ENDIAN)});
    private volatile boolean closed;

    DjlBackend(Device device, DType floatType) {
        this.device = device;
        this.floatType = floatType;
        this.root = NDManager.newBaseManager(device, "PyTorch");
    }

    @Override
    public String name() {
        return "djl";
    }

    @Override
    public String device() {
        return device.isGpu() ? "cuda:" + device.getDeviceId() : "cpu";
    }

    @Override
    public DType floatType() {
        return floatType;
    }

    /** Nanoseconds this thread has spent inside DJL operations since the backend opened. */
    public long kernelNanos() {
        return kernelNanos.get()[0];
    }

    /** Number of native arrays currently owned by the root manager (weights and unscoped tensors); for leak checks. */
    int rootArrayCount() {
        return root.getManagedArrays().size();
    }

    /** Bytes of the native arrays owned by the root manager and its sub-managers (weights, arenas); for tests. */
    long rootArrayBytes() {
        long b = 0;
        for (NDArray a : root.getManagedArrays()) b += a.getShape().size() * a.getDataType().getNumOfBytes();
        return b;
    }

    /** Number of native arrays owned by the calling thread's innermost open scope (root if none). */
    int currentScopeArrayCount() {
        return current().getManagedArrays().size();
    }

    private NDManager current() {
        NDManager m = scopes.get().peek();
        return m != null ? m : root;
    }

    /**
     * Runs one DJL operation: times it, turns libtorch errors into {@link BackendException}, and
     * moves the result into the innermost open scope. A result that is one of the inputs (an
     * identity op) is returned as that input, untouched, so a weight is never moved into a scope.
     */
    private Tensor op(Supplier<NDArray> f, Tensor... inputs) {
        checkOpen();
        long start = System.nanoTime();
        NDArray r;
        try {
            r = f.get();
        } catch (EngineException e) {
            throw new BackendException("libtorch (" + device() + ") failed: " + e.getMessage(), e);
        } finally {
            kernelNanos.get()[0] += System.nanoTime() - start;
        }
        for (Tensor in : inputs) {
            if (a(in) == r) return in;
        }
        r.attach(current());
        return new DjlTensor(this, r, dtypeOf(r.getDataType()));
    }

    private static DjlTensor t(Tensor x) {
        if (x instanceof DjlTensor d) return d;
        throw new BackendException("tensor " + x + " does not belong to the DJL backend");
    }

    private static NDArray a(Tensor x) {
        return t(x).array;
    }

    private static DataType djl(DType t) {
        return switch (t) {
            case F32 -> DataType.FLOAT32;
            case F16 -> DataType.FLOAT16;
            case F64 -> DataType.FLOAT64;
            case I64 -> DataType.INT64;
            case I32 -> DataType.INT32;
            case I8 -> DataType.INT8;
            case U8 -> DataType.UINT8;
            case BOOL -> DataType.BOOLEAN;
            case I16 -> DataType.INT16;
            case BF16 -> throw new BackendException("the DJL backend does not compute in bfloat16 (it crashes libtorch through DJL); "
                    + "bf16 data is converted to float32/float16 on upload");
        };
    }

    private static DType dtypeOf(DataType t) {
        return switch (t) {
            case FLOAT32 -> DType.F32;
            case FLOAT16 -> DType.F16;
            case FLOAT64 -> DType.F64;
            case INT64 -> DType.I64;
            case INT32 -> DType.I32;
            case INT8 -> DType.I8;
            case UINT8 -> DType.U8;
            case BOOLEAN -> DType.BOOL;
            case INT16 -> DType.I16;
            case BFLOAT16 -> DType.BF16;
            default -> throw new BackendException("DJL produced an array of unsupported type " + t);
        };
    }

    private void checkOpen() {
        if (closed) throw new BackendException("DJL backend is closed");
    }

    // ---- lifetime and data -------------------------------------------------------------------------

    @Override
    public Scope newScope() {
        checkOpen();
        Deque<NDManager> stack = scopes.get();
        NDManager parent = current();
        NDManager m = parent.newSubManager();
        stack.push(m);
        return new Scope() {
            private boolean open = true;

            @Override
            public Tensor keep(Tensor x) {
                if (!open) throw new BackendException("scope is closed");
                NDArray arr = a(x);
                // only tensors owned by this scope move; a weight or an outer tensor stays where it lives
                if (arr.getManager() == m) arr.attach(parent);
                return x;
            }

            @Override
            public void close() {
                if (!open) return;
                if (stack.peek() != m) throw new BackendException("scopes must be closed in reverse order of opening");
                open = false;
                stack.pop();
                m.close();
            }
        };
    }

    /**
     * An arena is a sub-manager of the root: while {@link Arena#build} runs it is the innermost scope of the
     * calling thread, so weights uploaded (and tensors derived from them at build time) attach to it; closing it
     * frees them without touching other components.
     */
    @Override
    public Arena newArena() {
        checkOpen();
        NDManager m = root.newSubManager();
        return new Arena() {
            private volatile boolean open = true;

            @Override
            public <T> T build(java.util.function.Supplier<T> f) {
                if (!open) throw new BackendException("the arena was closed");
                Deque<NDManager> stack = scopes.get();
                stack.push(m);
                try {
                    return f.get();
                } finally {
                    if (stack.peek() == m) stack.pop();
                    else stack.remove(m);
                }
            }

            @Override
            public void close() {
                if (!open) return;
                open = false;
                m.close();
            }
        };
    }

    @Override
    public Tensor upload(HostTensor data, DType dtype) {
        checkOpen();
        HostTensor h = data;
        DType stored = h.dtype();
        if (stored == DType.BF16 || (stored != dtype && dtype.isFloating() && stored.isFloating() && stored != DType.F32)) {
            // bf16 (and f16/f64 that must change type) go through float32 in Java: DJL's bf16 cast kills the JVM,
            // and Java's float conversions round like torch's .to()
            h = HostTensor.ofFloats(h.toFloats(), h.shape());
            stored = DType.F32;
        }
        ByteBuffer b = directLittleEndian(h.data(), stored.bytes());
        Shape shape = new Shape(data.shape());
        DataType storedType = djl(stored);
        Tensor t = op(() -> current().create(b, shape, storedType));
        if (stored == dtype) return t;
        Tensor c = cast(t, dtype);
        t.close();
        return c;
    }

    /**
     * A checkpoint weight in the compute type. A float32 tensor that is memory-mapped (read-only, direct, aligned)
     * is aliased on CPU — zero copy; everything else (bf16/f16 to convert, tensors over 2 GiB, heap data) is
     * streamed: libtorch allocates the destination and bounded chunks are converted in Java and copied in, so
     * neither a whole-tensor Java array nor a direct buffer of the tensor's size ever exists (weights then live in
     * libtorch's allocator, outside {@code -XX:MaxDirectMemorySize}).
     */
    @Override
    public Tensor weight(TensorData data) {
        checkOpen();
        DType target = data.dtype().isFloating() ? floatType : data.dtype();
        if (target == DType.BF16) throw new BackendException("bfloat16 weights cannot be held by the DJL backend");
        if (data.dtype() == target && !device.isGpu() && data.byteLength() <= Integer.MAX_VALUE) {
            HostTensor h = data.host(); // for a checkpoint tensor: its memory-mapped bytes
            if (isAliasable(h.data(), target.bytes())) return upload(h, target);
        }
        return streamed(data, target);
    }

    private static boolean isAliasable(ByteBuffer b, int elementBytes) {
        return b.isDirect() && b.isReadOnly() && (b.capacity() == 0 || b.alignmentOffset(0, elementBytes) == 0);
    }

    private Tensor streamed(TensorData data, DType target) {
        long n = data.numel();
        DataType dt = djl(target);
        Shape shape = new Shape(data.shape());
        int chunk = (int) Math.min(n, TensorData.CHUNK_ELEMENTS);
        // one pair of chunk buffers per thread, reused by every weight: a fresh pair per weight would leave
        // gigabytes of direct buffers for the garbage collector while a checkpoint loads
        ByteBuffer[] bufs = chunkBuffers.get();
        ByteBuffer buf = bufs[0];
        ByteBuffer scratch = bufs[1];
        return op(() -> {
            NDManager m = current();
            NDArray flat = m.create(new Shape(n), dt); // uninitialised; every element is written below
            try {
                for (long s = 0; s < n; s += chunk) {
                    int c = (int) Math.min(chunk, n - s);
                    buf.clear();
                    data.readAs(target, s, c, buf, scratch);
                    buf.flip();
                    ByteBuffer part0 = buf.slice().order(ByteOrder.nativeOrder());
                    try (NDManager tmp = m.newSubManager(); NDArray part = tmp.create(part0, new Shape(c), dt)) {
                        flat.set(new NDIndex("{}:{}", s, s + c), part);
                    }
                }
                NDArray shaped = flat.reshape(shape); // a view on the same storage
                flat.close();
                return shaped;
            } catch (RuntimeException e) {
                flat.close();
                throw e;
            }
        });
    }

    /**
     * The bytes as a direct little-endian buffer libtorch may read. A read-only direct buffer that is
     * aligned for its element type (a memory-mapped checkpoint) is used in place — on CPU libtorch then
     * aliases it, so weights are not copied twice; anything else is copied, so later writes by the
     * caller cannot change an uploaded tensor.
     */
    private static ByteBuffer directLittleEndian(ByteBuffer src, int elementBytes) {
        ByteBuffer s = src.slice().order(ByteOrder.LITTLE_ENDIAN);
        if (s.isDirect() && s.isReadOnly() && (s.capacity() == 0 || s.alignmentOffset(0, elementBytes) == 0)) return s;
        ByteBuffer d = ByteBuffer.allocateDirect(Math.max(s.remaining(), 1)).order(ByteOrder.LITTLE_ENDIAN);
        d.put(s.duplicate());
        d.flip();
        return d;
    }

    @Override
    public HostTensor download(Tensor x) {
        checkOpen();
        DjlTensor d = t(x);
        NDArray arr = d.array;
        try {
            if (arr.getDevice().isGpu()) arr = arr.toDevice(Device.cpu(), true);
            if (d.dtype() == DType.BF16) { // held as float32 values that are exactly bf16
                float[] f = arr.toFloatArray();
                ByteBuffer b = ByteBuffer.allocate(f.length * 2).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : f) b.putShort(Half.floatToBf16(v));
                b.flip();
                return new HostTensor(DType.BF16, d.shape(), b);
            }
            ByteBuffer src = arr.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            copy.put(src);
            copy.flip();
            return new HostTensor(d.dtype(), d.shape(), copy);
        } catch (EngineException e) {
            throw new BackendException("libtorch (" + device() + ") failed to read a tensor back: " + e.getMessage(), e);
        } finally {
            if (arr != d.array) arr.close();
        }
    }

    @Override
    public Tensor full(double value, DType dtype, long... shape) {
        DataType dt = djl(dtype);
        Shape s = new Shape(shape);
        if ((float) value == value || Double.isNaN(value)) return op(() -> current().full(s, (float) value, dt));
        // not representable in float32 (large int64, float64): make a scalar of the exact value and expand it
        return op(() -> {
            NDManager m = current();
            try (Temps tmp = new Temps()) {
                NDArray one = tmp.t(dtype.isFloating() ? m.create(value) : m.create((long) value));
                NDArray typed = one.getDataType() == dt ? one : tmp.t(one.toType(dt, false));
                return tmp.t(typed.broadcast(s)).duplicate();
            }
        });
    }

    // ---- elementwise -------------------------------------------------------------------------------

    @Override
    public Tensor add(Tensor x, Tensor y) {
        return op(() -> a(x).add(a(y)), x);
    }

    @Override
    public Tensor sub(Tensor x, Tensor y) {
        return op(() -> a(x).sub(a(y)), x);
    }

    @Override
    public Tensor mul(Tensor x, Tensor y) {
        return op(() -> a(x).mul(a(y)), x);
    }

    @Override
    public Tensor div(Tensor x, Tensor y) {
        return op(() -> a(x).div(a(y)), x);
    }

    /** Writes into a when b broadcasts to a's shape and type (libtorch's add_); otherwise a new tensor. */
    @Override
    public Tensor addInPlace(Tensor x, Tensor y) {
        if (!inPlaceOk(x, y)) return TensorBackend.super.addInPlace(x, y);
        return op(() -> a(x).addi(a(y)), x);
    }

    @Override
    public Tensor mulInPlace(Tensor x, Tensor y) {
        if (!inPlaceOk(x, y)) return TensorBackend.super.mulInPlace(x, y);
        return op(() -> a(x).muli(a(y)), x);
    }

    /** SiLU as x·σ(x) with the product written into x (σ(x) is the only temporary); others fall back. */
    @Override
    public Tensor unaryInPlace(Tensor x, UnaryOp u) {
        if (u != UnaryOp.SILU || t(x).array.getManager() == root) return TensorBackend.super.unaryInPlace(x, u);
        return op(() -> {
            try (NDArray sig = Activation.sigmoid(a(x))) {
                return a(x).muli(sig);
            }
        }, x);
    }

    private boolean inPlaceOk(Tensor x, Tensor y) {
        if (x.dtype() != y.dtype() || t(x).array.getManager() == root) return false; // never a weight or root tensor
        long[] xs = x.shape();
        long[] ys = y.shape();
        if (ys.length > xs.length) return false;
        for (int i = 0; i < ys.length; i++) {
            long d = ys[ys.length - 1 - i];
            if (d != 1 && d != xs[xs.length - 1 - i]) return false;
        }
        return true;
    }

    @Override
    public Tensor addScalar(Tensor x, double v) {
        return op(() -> a(x).add((float) v), x);
    }

    @Override
    public Tensor mulScalar(Tensor x, double v) {
        return op(() -> a(x).mul((float) v), x);
    }

    @Override
    public Tensor powScalar(Tensor x, double p) {
        return op(() -> a(x).pow((float) p), x);
    }

    /** Intermediates of a composed operation, closed as soon as the result exists (they live in the input's manager). */
    private static final class Temps implements AutoCloseable {
        private final List<NDArray> arrays = new ArrayList<>(6);

        NDArray t(NDArray a) {
            arrays.add(a);
            return a;
        }

        @Override
        public void close() {
            for (NDArray a : arrays) a.close();
        }
    }

    @Override
    public Tensor unary(Tensor x, UnaryOp op) {
        return op(() -> unaryArray(a(x), op), x);
    }

    private static NDArray unaryArray(NDArray v, UnaryOp op) {
        try (Temps tmp = new Temps()) {
            return switch (op) {
                case NEG -> v.neg();
                case ABS -> v.abs();
                case EXP -> v.exp();
                case LOG -> v.log();
                case SQRT -> v.sqrt();
                case RSQRT -> tmp.t(v.sqrt()).pow(-1f);
                case SQUARE -> v.mul(v);
                case TANH -> v.tanh();
                case SIGMOID -> Activation.sigmoid(v);
                case SIN -> v.sin();
                case COS -> v.cos();
                case ERF -> v.erf();
                case RELU -> Activation.relu(v);
                case SILU -> v.mul(tmp.t(Activation.sigmoid(v))); // x·σ(x)
                case GELU -> Activation.gelu(v); // torch gelu, exact erf form
                case GELU_TANH -> { // 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))); DJL has no approximate flag
                    NDArray cube = tmp.t(tmp.t(v.mul(v)).mul(v));
                    NDArray inner = tmp.t(tmp.t(v.add(tmp.t(cube.mul(0.044715f)))).mul((float) Math.sqrt(2 / Math.PI)));
                    NDArray onePlus = tmp.t(tmp.t(inner.tanh()).add(1f));
                    yield tmp.t(v.mul(0.5f)).mul(onePlus);
                }
                case QUICK_GELU -> v.mul(tmp.t(Activation.sigmoid(tmp.t(v.mul(1.702f))))); // x·σ(1.702x)
            };
        }
    }

    @Override
    public Tensor clamp(Tensor x, double min, double max) {
        return op(() -> a(x).clip((float) min, (float) max), x);
    }

    // ---- reductions --------------------------------------------------------------------------------

    private static int axis(int axis, int rank) {
        int ax = axis < 0 ? axis + rank : axis;
        if (ax < 0 || ax >= rank) throw new BackendException("axis " + axis + " out of range for rank " + rank);
        return ax;
    }

    @Override
    public Tensor sum(Tensor x, int axis, boolean keepDim) {
        int[] ax = {axis(axis, x.rank())};
        return op(() -> a(x).sum(ax, keepDim), x);
    }

    @Override
    public Tensor mean(Tensor x, int axis, boolean keepDim) {
        int[] ax = {axis(axis, x.rank())};
        return op(() -> a(x).mean(ax, keepDim), x);
    }

    @Override
    public Tensor max(Tensor x, int axis, boolean keepDim) {
        int[] ax = {axis(axis, x.rank())};
        return op(() -> a(x).max(ax, keepDim), x);
    }

    @Override
    public Tensor softmax(Tensor x, int axis) {
        int ax = axis(axis, x.rank());
        return op(() -> a(x).softmax(ax), x);
    }

    // ---- linear algebra ----------------------------------------------------------------------------

    /** torch.matmul (DJL calls it directly), so batch dimensions broadcast. */
    @Override
    public Tensor matmul(Tensor x, Tensor y) {
        if (x.rank() < 2 || y.rank() < 2) throw new BackendException("matmul needs rank >= 2, got " + x + " and " + y);
        return op(() -> a(x).matMul(a(y)), x);
    }

    /** torch's F.linear: one fused addmm instead of transpose + matmul + add. */
    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        return op(() -> (b == null ? ai.djl.nn.core.Linear.linear(a(x), a(w)) : ai.djl.nn.core.Linear.linear(a(x), a(w), a(b)))
                .singletonOrThrow());
    }

    /** torch's F.layer_norm (one fused kernel); a missing weight/bias is ones/zeros, which is what torch uses. */
    @Override
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        long c = x.size(-1);
        return op(() -> {
            NDManager m = current();
            try (Temps tmp = new Temps()) {
                NDArray g = weight != null ? a(weight) : tmp.t(m.ones(new Shape(c), a(x).getDataType()));
                NDArray bt = bias != null ? a(bias) : tmp.t(m.zeros(new Shape(c), a(x).getDataType()));
                return JniUtils.layerNorm((PtNDArray) a(x), new Shape(c), (PtNDArray) g, (PtNDArray) bt, eps);
            }
        });
    }

    /** torch's F.conv2d through DJL's convolution (stride, padding, dilation and groups are passed through). */
    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        Shape st = new Shape(stride[0], stride[1]);
        Shape pd = new Shape(padding[0], padding[1]);
        Shape dl = new Shape(dilation[0], dilation[1]);
        return op(() -> ai.djl.nn.convolutional.Conv2d.conv2d(a(x), a(w), bias == null ? null : a(bias), st, pd, dl, groups)
                .singletonOrThrow());
    }

    // ---- shape -------------------------------------------------------------------------------------

    @Override
    public Tensor reshape(Tensor x, long... shape) {
        Shape s = new Shape(shape);
        return op(() -> a(x).reshape(s), x);
    }

    @Override
    public Tensor permute(Tensor x, int... axes) {
        int[] p = new int[axes.length];
        for (int i = 0; i < p.length; i++) p[i] = axis(axes[i], axes.length);
        return op(() -> a(x).transpose(p), x);
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        NDList l = new NDList(parts.size());
        for (Tensor p : parts) l.add(a(p));
        int ax = axis(axis, parts.get(0).rank());
        return op(() -> NDArrays.concat(l, ax), parts.toArray(new Tensor[0]));
    }

    private static String prefix(int axis) {
        return ":, ".repeat(axis);
    }

    @Override
    public Tensor slice(Tensor x, int axis, long start, long end) {
        int ax = axis(axis, x.rank());
        long[] bounds = TensorBackend.sliceBounds(start, end, x.size(ax));
        NDIndex index = new NDIndex(prefix(ax) + bounds[0] + ":" + bounds[1]);
        return op(() -> a(x).get(index), x);
    }

    @Override
    public Tensor indexSelect(Tensor x, int axis, Tensor indices) {
        int ax = axis(axis, x.rank());
        return op(() -> a(x).get(new NDIndex(prefix(ax) + "{}", a(indices))), x);
    }

    @Override
    public Tensor broadcastTo(Tensor x, long... shape) {
        Shape s = new Shape(shape);
        return op(() -> a(x).broadcast(s), x);
    }

    @Override
    public Tensor cast(Tensor x, DType dtype) {
        if (x.dtype() == dtype) return x;
        if (dtype == DType.BF16) {
            // libtorch bf16 through DJL kills the JVM: hold bf16 values (rounded in Java) in a float32 array
            float[] f = toFloats(x);
            for (int i = 0; i < f.length; i++) f[i] = Half.bf16ToFloat(Half.floatToBf16(f[i]));
            DjlTensor held = (DjlTensor) upload(HostTensor.ofFloats(f, x.shape()), DType.F32);
            return new DjlTensor(this, held.array, DType.BF16);
        }
        // a bf16 tensor is a float32 array underneath: copy it so the result is a distinct float32 tensor
        if (x.dtype() == DType.BF16 && dtype == DType.F32) return op(() -> a(x).duplicate(), x);
        DataType dt = djl(dtype);
        return op(() -> a(x).toType(dt, false), x);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        root.close();
    }
}
