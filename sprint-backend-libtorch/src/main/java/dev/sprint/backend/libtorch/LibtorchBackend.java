package dev.sprint.backend.libtorch;

import dev.sprint.api.BackendException;
import dev.sprint.core.tensor.Arena;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.LowRankUpdate;
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
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.DeviceOptional;
import org.bytedeco.pytorch.DoubleOptional;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.MemoryFormatOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorOptions;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The tensor API on libtorch's own C++ API (JavaCPP's {@code org.bytedeco:pytorch}), eager, on CPU or CUDA, in
 * float32, bfloat16 or float16. Obtain one through {@link LibtorchBackendProvider} ({@code Backends.select("libtorch")}).
 *
 * <p>Mixed precision follows what diffusers does when a pipeline is moved to bfloat16: weights and activations are
 * in the compute type, while the caller keeps latents, noise and the scheduler in float32. So, as under
 * {@code torch.autocast}, a matmul, linear or convolution whose operands differ in type computes in the compute type;
 * element-wise operations promote as PyTorch does (bf16 with float32 gives float32); softmax and RMS statistics are
 * computed in float32 and rounded back, as diffusers' and transformers' modules do; layer and group norms use
 * libtorch's kernels, which accumulate reduced types in float32; attention is libtorch's
 * {@code scaled_dot_product_attention} (flash kernels on CPU).
 *
 * <p>Memory: every result belongs to the calling thread's innermost open {@link Scope} (or arena) and is freed when it
 * closes; native temporaries of one operation (scalars, optionals, intermediate tensors) are freed when the operation
 * returns. Weights that are stored in the compute type in a memory-mapped checkpoint are used in place (no copy).
 */
public final class LibtorchBackend implements TensorBackend {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LibtorchBackend.class);
    private final Device device;
    private final boolean cuda;
    private final String deviceName;
    private final DType floatType;
    private final String precisionReason;
    private final Owner root = new Owner(null, true);
    private final ThreadLocal<Deque<Owner>> scopes = ThreadLocal.withInitial(ArrayDeque::new);
    private final ThreadLocal<ByteBuffer> chunk = ThreadLocal.withInitial(
            () -> ByteBuffer.allocateDirect(TensorData.CHUNK_ELEMENTS * 8).order(ByteOrder.LITTLE_ENDIAN));
    private final ThreadLocal<long[]> kernelNanos = ThreadLocal.withInitial(() -> new long[1]);
    /** bf16 convolutions in channels-last layout (oneDNN's native one: no reorder of every activation per call). */
    private final boolean channelsLast;
    private volatile boolean closed;

    /** Whether this backend holds OpenBLAS at one thread while open ({@link LibtorchNatives#holdSingleBlasThread}). */
    private final boolean holdsSingleBlas;

    LibtorchBackend(Device device, String deviceName, DType floatType, String precisionReason, boolean channelsLast,
            boolean holdSingleBlas) {
        if (holdSingleBlas) LibtorchNatives.holdSingleBlasThread();
        this.holdsSingleBlas = holdSingleBlas;
        this.channelsLast = channelsLast && floatType == DType.BF16;
        this.device = device;
        this.deviceName = deviceName;
        this.cuda = deviceName.startsWith("cuda");
        this.floatType = floatType;
        this.precisionReason = precisionReason;
    }

    @Override
    public String name() {
        return "libtorch";
    }

    @Override
    public String device() {
        return deviceName;
    }

    @Override
    public DType floatType() {
        return floatType;
    }

    @Override
    public String precisionReason() {
        return precisionReason;
    }

    /** Nanoseconds this thread has spent inside libtorch operations since the backend opened. */
    public long kernelNanos() {
        return kernelNanos.get()[0];
    }

    // ---- ownership ---------------------------------------------------------------------------------

    /** A set of tensors freed together: the root, a scope or an arena. */
    static final class Owner {
        final Owner parent;
        /** The root or an arena: what it owns are weights (never written in place). */
        final boolean weights;
        private final List<LtTensor> tensors = new ArrayList<>();
        /** Memory that aliased tensors read (mapped checkpoint bytes): kept reachable while they live. */
        private final List<Object> pins = new ArrayList<>();
        private boolean open = true;

        Owner(Owner parent, boolean weights) {
            this.parent = parent;
            this.weights = weights;
        }

        synchronized void pin(Object memory) {
            pins.add(memory);
        }

        synchronized void add(LtTensor t) {
            if (!open) throw new BackendException("the scope or arena that would own this tensor is closed");
            tensors.add(t);
        }

        /** Frees the tensors this owner still owns (those kept elsewhere have moved on). */
        synchronized void freeAll() {
            open = false;
            for (LtTensor t : tensors) {
                if (t.owner == this) t.free();
            }
            tensors.clear();
            pins.clear();
        }

        synchronized int liveCount() {
            int n = 0;
            for (LtTensor t : tensors) if (t.owner == this && !t.isFreed()) n++;
            return n;
        }
    }

    private Owner current() {
        Owner o = scopes.get().peek();
        return o != null ? o : root;
    }

    /** Tensors alive in the calling thread's innermost scope (root if none); for leak tests. */
    int currentScopeTensorCount() {
        return current().liveCount();
    }

    @Override
    public Scope newScope() {
        checkOpen();
        Deque<Owner> stack = scopes.get();
        Owner parent = current();
        Owner me = new Owner(parent, false);
        stack.push(me);
        return new Scope() {
            private boolean open = true;

            @Override
            public Tensor keep(Tensor x) {
                if (!open) throw new BackendException("scope is closed");
                LtTensor l = t(x);
                if (l.owner == me) { // only what this scope owns moves; weights and outer tensors stay
                    l.owner = parent;
                    parent.add(l);
                }
                return x;
            }

            @Override
            public void close() {
                if (!open) return;
                if (stack.peek() != me) throw new BackendException("scopes must be closed in reverse order of opening");
                open = false;
                stack.pop();
                me.freeAll();
            }
        };
    }

    /** While {@link Arena#build} runs the arena is the calling thread's innermost owner; closing it frees its weights. */
    @Override
    public Arena newArena() {
        checkOpen();
        Owner me = new Owner(root, true);
        return new Arena() {
            private volatile boolean open = true;

            @Override
            public <T> T build(Supplier<T> f) {
                if (!open) throw new BackendException("the arena was closed");
                Deque<Owner> stack = scopes.get();
                stack.push(me);
                try {
                    return f.get();
                } finally {
                    if (stack.peek() == me) stack.pop();
                    else stack.remove(me);
                }
            }

            @Override
            public void close() {
                if (!open) return;
                open = false;
                me.freeAll();
            }
        };
    }

    // ---- running one operation ---------------------------------------------------------------------

    /**
     * -Dsprint.libtorch.profile=true: wall time per backend method, its two callers and the result's shape (the same
     * op at each decoder resolution is its own line), logged when the backend closes.
     */
    private static final boolean PROFILE = Boolean.getBoolean("sprint.libtorch.profile");
    private final java.util.concurrent.ConcurrentHashMap<String, long[]> profile = new java.util.concurrent.ConcurrentHashMap<>();

    private void record(long nanos, long[] shape) {
        StackTraceElement[] st = new Throwable().getStackTrace();
        StringBuilder key = new StringBuilder(st.length > 2 ? st[2].getMethodName() : "?");
        for (int i = 3; i < Math.min(st.length, 5); i++) {
            key.append(" <- ").append(st[i].getClassName().replaceAll(".*\\.", "")).append('.').append(st[i].getMethodName());
        }
        if (shape != null) key.append(' ').append(java.util.Arrays.toString(shape));
        long[] v = profile.computeIfAbsent(key.toString(), k -> new long[2]);
        synchronized (v) {
            v[0] += nanos;
            v[1]++;
        }
    }

    /**
     * Runs one libtorch operation: times it, frees every native temporary it made, turns C++ errors into
     * {@link BackendException}s, and hands the result to the innermost owner.
     */
    private Tensor op(Supplier<org.bytedeco.pytorch.Tensor> f) {
        checkOpen();
        long start = System.nanoTime();
        org.bytedeco.pytorch.Tensor r;
        long[] shape = null;
        DType dtype;
        try (PointerScope temps = new PointerScope()) {
            r = f.get();
            r.retainReference(); // survives the scope's release; LtTensor.free drops it
            shape = r.sizes().vec().get(); // read here, so the size vectors are freed with the temporaries
            dtype = dtypeOf(r.scalar_type());
        } catch (RuntimeException e) {
            if (e instanceof BackendException b) throw b;
            throw new BackendException("libtorch (" + deviceName + ") failed: " + e.getMessage(), e);
        } finally {
            long t = System.nanoTime() - start;
            kernelNanos.get()[0] += t;
            if (PROFILE) record(t, shape);
        }
        Owner o = current();
        LtTensor out = new LtTensor(this, r, shape, dtype, o);
        o.add(out);
        return out;
    }

    private static LtTensor t(Tensor x) {
        if (x instanceof LtTensor l) return l;
        throw new BackendException("tensor " + x + " does not belong to the libtorch backend");
    }

    private static org.bytedeco.pytorch.Tensor n(Tensor x) {
        return t(x).t();
    }

    private void checkOpen() {
        if (closed) throw new BackendException("libtorch backend is closed");
    }

    static ScalarType scalarType(DType d) {
        return switch (d) {
            case F64 -> ScalarType.Double;
            case F32 -> ScalarType.Float;
            case F16 -> ScalarType.Half;
            case BF16 -> ScalarType.BFloat16;
            case I64 -> ScalarType.Long;
            case I32 -> ScalarType.Int;
            case I16 -> ScalarType.Short;
            case I8 -> ScalarType.Char;
            case U8 -> ScalarType.Byte;
            case BOOL -> ScalarType.Bool;
        };
    }

    /** The type of a native result (JavaCPP hands enums back from native code by value: intern before switching). */
    static DType dtypeOf(ScalarType s) {
        return switch (s.intern()) {
            case Double -> DType.F64;
            case Float -> DType.F32;
            case Half -> DType.F16;
            case BFloat16 -> DType.BF16;
            case Long -> DType.I64;
            case Int -> DType.I32;
            case Short -> DType.I16;
            case Char -> DType.I8;
            case Byte -> DType.U8;
            case Bool -> DType.BOOL;
            default -> throw new BackendException("libtorch produced a tensor of unsupported type " + s);
        };
    }

    private TensorOptions options(DType d) {
        return new TensorOptions(scalarType(d)).device(new DeviceOptional(device));
    }

    private static TensorOptional opt(Tensor x) {
        return x == null ? new TensorOptional() : new TensorOptional(n(x));
    }

    /** The operand in {@code d} (a temporary of the running operation when it has to be converted). */
    private static org.bytedeco.pytorch.Tensor as(Tensor x, DType d) {
        return x.dtype() == d ? n(x) : n(x).to(scalarType(d));
    }

    /** The type a matmul/linear/convolution of these operands computes in: autocast's rule. */
    private DType matmulType(Tensor... xs) {
        DType first = xs[0].dtype();
        for (Tensor x : xs) {
            if (x != null && x.dtype() != first) return floatType;
        }
        return first;
    }

    private static boolean f32OrReduced(DType d) {
        return d == DType.F32 || reduced(d);
    }

    private static boolean reduced(DType d) {
        return d == DType.BF16 || d == DType.F16;
    }

    // ---- lifetime and data -------------------------------------------------------------------------

    @Override
    public Tensor upload(HostTensor data, DType dtype) {
        checkOpen();
        DType stored = data.dtype();
        long[] shape = data.shape();
        ByteBuffer src = data.data().slice().order(ByteOrder.LITTLE_ENDIAN);
        return op(() -> {
            org.bytedeco.pytorch.Tensor cpu = torch.empty(shape, new TensorOptions(scalarType(stored)), new MemoryFormatOptional());
            long bytes = cpu.nbytes();
            if (bytes > 0) {
                BytePointer dst = new BytePointer(cpu.data_ptr()).capacity(bytes);
                dst.asBuffer().put(src.duplicate().limit((int) bytes));
            }
            org.bytedeco.pytorch.Tensor placed = cuda ? cpu.to(device, scalarType(stored)) : cpu;
            return stored == dtype ? placed : placed.to(scalarType(dtype));
        });
    }

    /**
     * A checkpoint weight: floating tensors in the compute type, others as stored. A tensor already in that type,
     * memory-mapped and aligned, is used in place on CPU (libtorch reads the mapped pages; no copy, nothing
     * converted); everything else is streamed in bounded chunks that libtorch converts into the destination
     * (rounding as {@code .to()} does), so no whole-tensor Java buffer exists and tensors over 2 GiB work.
     */
    @Override
    public Tensor weight(TensorData data) {
        checkOpen();
        if (data instanceof LowRankUpdate u) return merged(u);
        DType target = data.dtype().isFloating() ? floatType : data.dtype();
        if (data.dtype() == target && !cuda && !channelsLastWeight(data.shape(), target) && data.byteLength() <= Integer.MAX_VALUE) {
            HostTensor h = data.host();
            ByteBuffer b = h.data();
            if (b.isDirect() && b.isReadOnly() && (b.remaining() == 0 || b.alignmentOffset(b.position(), target.bytes()) == 0)) {
                ByteBuffer mapped = b.slice();
                current().pin(mapped);
                return op(() -> torch.from_blob(new BytePointer(mapped), h.shape(), options(target)));
            }
        }
        return streamed(data, target);
    }

    /**
     * A LoRA-fused weight merged here rather than on the host: {@code W + Σ f·(B·A)} in float32 by libtorch's matmul,
     * then in the compute type. A streamed block is rebuilt per step, and SD3.5-Large's adapted weights are 8 B
     * parameters: at the matmul rate that is about a second, in Java minutes.
     */
    private Tensor merged(LowRankUpdate u) {
        DType target = floatType;
        long[] shape = u.base().shape();
        try (Scope s = newScope()) {
            Tensor acc = streamed(u.base(), DType.F32); // W exactly, as float32: the sum is rounded to the compute type once
            for (LowRankUpdate.Term term : u.terms()) {
                long rank = term.b().shape()[1];
                Tensor b = reshape(upload(term.b(), DType.F32), term.b().shape()[0], rank);
                Tensor a = reshape(upload(term.a(), DType.F32), rank, -1);
                Tensor delta = mulScalar(matmul(b, a), term.factor());
                if (term.transposed()) delta = transpose(delta, 0, 1);
                acc = addInPlace(acc, reshape(delta, shape));
            }
            return s.keep(cast(acc, target)); // the cast keeps streamed()'s channels-last layout of a conv weight
        }
    }

    /** A convolution weight held channels-last (so it is copied rather than used in place from the mapped file). */
    private boolean channelsLastWeight(long[] shape, DType target) {
        return channelsLast && shape.length == 4 && target.isFloating();
    }

    private Tensor streamed(TensorData data, DType target) {
        long n = data.numel();
        DType src = data.dtype();
        int per = (int) Math.min(Math.max(n, 1), TensorData.CHUNK_ELEMENTS);
        ByteBuffer buf = chunk.get();
        return op(() -> {
            org.bytedeco.pytorch.Tensor flat = torch.empty(new long[] {n}, options(target), new MemoryFormatOptional());
            for (long s = 0; s < n; s += per) {
                int c = (int) Math.min(per, n - s);
                try (PointerScope part = new PointerScope()) {
                    buf.clear().limit(c * src.bytes());
                    data.read(s * src.bytes(), buf);
                    buf.flip();
                    org.bytedeco.pytorch.Tensor piece = torch.from_blob(new BytePointer(buf), new long[] {c},
                            new TensorOptions(scalarType(src)));
                    flat.narrow(0, s, c).copy_(piece);
                }
            }
            org.bytedeco.pytorch.Tensor shaped = flat.view(data.shape());
            return channelsLastWeight(data.shape(), target) ? shaped.contiguous(torch.MemoryFormat.ChannelsLast) : shaped;
        });
    }

    @Override
    public HostTensor download(Tensor x) {
        checkOpen();
        LtTensor l = t(x);
        long[] shape = l.shape();
        try (PointerScope temps = new PointerScope()) {
            org.bytedeco.pytorch.Tensor c = l.t().contiguous();
            if (cuda) c = c.cpu();
            long bytes = c.nbytes();
            if (bytes > Integer.MAX_VALUE) throw new BackendException("cannot read back " + x.describe() + ": over 2 GiB");
            ByteBuffer out = ByteBuffer.allocate((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
            if (bytes > 0) out.put(new BytePointer(c.data_ptr()).capacity(bytes).asBuffer());
            out.flip();
            return new HostTensor(l.dtype(), shape, out);
        } catch (BackendException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BackendException("libtorch (" + deviceName + ") failed to read a tensor back: " + e.getMessage(), e);
        }
    }

    @Override
    public Tensor full(double value, DType dtype, long... shape) {
        return op(() -> torch.full(shape, scalar(value, dtype), options(dtype)));
    }

    private static Scalar scalar(double v, DType d) {
        return d.isFloating() || d == DType.BOOL ? new Scalar(v) : new Scalar((long) v);
    }

    // ---- elementwise -------------------------------------------------------------------------------

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return op(() -> n(a).add(n(b)));
    }

    @Override
    public Tensor sub(Tensor a, Tensor b) {
        return op(() -> n(a).sub(n(b)));
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        return op(() -> n(a).mul(n(b)));
    }

    @Override
    public Tensor div(Tensor a, Tensor b) {
        return op(() -> n(a).div(n(b)));
    }

    @Override
    public Tensor addInPlace(Tensor a, Tensor b) {
        if (!inPlaceOk(a, b)) return TensorBackend.super.addInPlace(a, b);
        inPlace(() -> n(a).add_(n(b)));
        return a;
    }

    @Override
    public Tensor mulInPlace(Tensor a, Tensor b) {
        if (!inPlaceOk(a, b)) return TensorBackend.super.mulInPlace(a, b);
        inPlace(() -> n(a).mul_(n(b)));
        return a;
    }

    @Override
    public Tensor unaryInPlace(Tensor a, UnaryOp u) {
        if ((u != UnaryOp.SILU && u != UnaryOp.RELU) || !ownsActivation(a)) return TensorBackend.super.unaryInPlace(a, u);
        inPlace(() -> u == UnaryOp.SILU ? torch.silu_(n(a)) : torch.relu_(n(a)));
        return a;
    }

    /** Runs an in-place operation; the reference it returns is a temporary (the tensor is the caller's). */
    private void inPlace(Supplier<org.bytedeco.pytorch.Tensor> f) {
        checkOpen();
        long start = System.nanoTime();
        try (PointerScope temps = new PointerScope()) {
            f.get();
        } catch (RuntimeException e) {
            throw new BackendException("libtorch (" + deviceName + ") failed: " + e.getMessage(), e);
        } finally {
            long t = System.nanoTime() - start;
            kernelNanos.get()[0] += t;
            if (PROFILE) record(t, null);
        }
    }

    /** Never a weight (root/arena) nor a view of one: only a tensor a scope owns. */
    private boolean ownsActivation(Tensor a) {
        Owner o = t(a).owner;
        return o != null && !o.weights;
    }

    /**
     * {@code a} can hold {@code a ∘ b}: an activation of the promoted type (equal types, or a float32 {@code a} and a
     * reduced-type {@code b}: a float32 residual stream taking a bf16 block output) and {@code b} broadcasts to it.
     */
    private boolean inPlaceOk(Tensor a, Tensor b) {
        boolean promotesToA = a.dtype() == b.dtype() || (a.dtype() == DType.F32 && reduced(b.dtype()));
        if (!promotesToA || !ownsActivation(a)) return false;
        long[] as = a.shape();
        long[] bs = b.shape();
        if (bs.length > as.length) return false;
        for (int i = 0; i < bs.length; i++) {
            long d = bs[bs.length - 1 - i];
            if (d != 1 && d != as[as.length - 1 - i]) return false;
        }
        return true;
    }

    @Override
    public Tensor addScalar(Tensor a, double v) {
        return op(() -> n(a).add(new Scalar(v)));
    }

    @Override
    public Tensor mulScalar(Tensor a, double v) {
        return op(() -> n(a).mul(new Scalar(v)));
    }

    @Override
    public Tensor powScalar(Tensor a, double p) {
        return op(() -> n(a).pow(new Scalar(p)));
    }

    @Override
    public Tensor unary(Tensor a, UnaryOp u) {
        return op(() -> {
            org.bytedeco.pytorch.Tensor x = n(a);
            return switch (u) {
                case NEG -> x.neg();
                case ABS -> x.abs();
                case EXP -> x.exp();
                case LOG -> x.log();
                case SQRT -> x.sqrt();
                case RSQRT -> x.rsqrt();
                case SQUARE -> x.mul(x);
                case TANH -> x.tanh();
                case SIGMOID -> x.sigmoid();
                case SIN -> x.sin();
                case COS -> x.cos();
                case ERF -> x.erf();
                case RELU -> x.relu();
                case SILU -> torch.silu(x);
                case GELU -> torch.gelu(x);
                case GELU_TANH -> torch.gelu(x, "tanh");
                case QUICK_GELU -> x.mul(x.mul(new Scalar(1.702)).sigmoid()); // x·σ(1.702x)
            };
        });
    }

    @Override
    public Tensor clamp(Tensor a, double min, double max) {
        return op(() -> n(a).clamp(new ScalarOptional(new Scalar(min)), new ScalarOptional(new Scalar(max))));
    }

    // ---- reductions --------------------------------------------------------------------------------

    private static int axis(int axis, int rank) {
        int ax = axis < 0 ? axis + rank : axis;
        if (ax < 0 || ax >= rank) throw new BackendException("axis " + axis + " out of range for rank " + rank);
        return ax;
    }

    @Override
    public Tensor sum(Tensor a, int axis, boolean keepDim) {
        long[] ax = {axis(axis, a.rank())};
        return op(() -> n(a).sum(ax, keepDim, new ScalarTypeOptional()));
    }

    @Override
    public Tensor mean(Tensor a, int axis, boolean keepDim) {
        long[] ax = {axis(axis, a.rank())};
        return op(() -> n(a).mean(ax, keepDim, new ScalarTypeOptional()));
    }

    @Override
    public Tensor max(Tensor a, int axis, boolean keepDim) {
        long[] ax = {axis(axis, a.rank())};
        return op(() -> n(a).amax(ax, keepDim));
    }

    /** In float32 for reduced types, rounded back: {@code softmax(x, dim, dtype=torch.float32).to(x.dtype)} as transformers does. */
    @Override
    public Tensor softmax(Tensor a, int axis) {
        int ax = axis(axis, a.rank());
        if (!reduced(a.dtype())) return op(() -> n(a).softmax(ax));
        ScalarType back = scalarType(a.dtype());
        return op(() -> n(a).softmax(ax, new ScalarTypeOptional(ScalarType.Float)).to(back));
    }

    // ---- linear algebra ----------------------------------------------------------------------------

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        if (a.rank() < 2 || b.rank() < 2) throw new BackendException("matmul needs rank >= 2, got " + a + " and " + b);
        DType d = matmulType(a, b);
        if (d == DType.F32 && holdsSingleBlas && splitsBatch(a, b)) return halvesInParallel(a, b);
        return op(() -> as(a, d).matmul(as(b, d)));
    }

    /**
     * A batched float32 product under bf16 compute on CPU (the linear attentions' heads): libtorch runs the batch one
     * product after another on OpenBLAS, which this backend holds at one thread, so one core would do it all. Two
     * equal batches of at least two products each, and a second core: worth splitting.
     */
    private boolean splitsBatch(Tensor a, Tensor b) {
        if (a.rank() < 3 || a.rank() != b.rank() || LibtorchNatives.threads() < 2) return false;
        long batch = 1;
        for (int i = 0; i < a.rank() - 2; i++) {
            if (a.size(i) != b.size(i)) return false;
            batch *= a.size(i);
        }
        return batch >= 4 && a.size(-1) == b.size(-2);
    }

    private static final java.util.concurrent.ExecutorService SIDE = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sprint-libtorch-side");
        t.setDaemon(true);
        return t;
    });

    /** Waits for the side thread's half, keeping an interrupt for afterwards; its failure becomes ours. */
    private void awaitSide(java.util.concurrent.Future<?> side) {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    side.get();
                    return;
                } catch (InterruptedException e) {
                    interrupted = true;
                } catch (java.util.concurrent.ExecutionException e) {
                    throw new BackendException("libtorch (" + deviceName + ") failed: " + e.getCause().getMessage(), e.getCause());
                }
            }
        } finally {
            if (interrupted) Thread.currentThread().interrupt();
        }
    }

    /**
     * The two halves of a batch of float32 products at once, this thread and a side thread each running one on
     * OpenBLAS: {@code bmm} into the two halves of one result. The same products, so the same values.
     */
    private Tensor halvesInParallel(Tensor a, Tensor b) {
        long[] as = a.shape();
        long[] bs = b.shape();
        int r = as.length;
        long batch = 1;
        for (int i = 0; i < r - 2; i++) batch *= as[i];
        long rows = as[r - 2];
        long inner = as[r - 1];
        long cols = bs[r - 1];
        long[] outShape = as.clone();
        outShape[r - 1] = cols;
        long half = batch / 2;
        long nb = batch;
        return op(() -> {
            org.bytedeco.pytorch.Tensor a3 = n(a).reshape(nb, rows, inner);
            org.bytedeco.pytorch.Tensor b3 = n(b).reshape(nb, inner, cols);
            org.bytedeco.pytorch.Tensor out = torch.empty(new long[] {nb, rows, cols}, options(DType.F32), new MemoryFormatOptional());
            java.util.concurrent.Future<?> side = SIDE.submit(() -> {
                try (PointerScope temps = new PointerScope()) {
                    torch.bmm_out(out.narrow(0, half, nb - half), a3.narrow(0, half, nb - half), b3.narrow(0, half, nb - half));
                }
            });
            try {
                torch.bmm_out(out.narrow(0, 0, half), a3.narrow(0, 0, half), b3.narrow(0, 0, half));
            } finally {
                awaitSide(side); // even when interrupted: the side thread writes into out until it is done
            }
            return out.view(outShape);
        });
    }

    /**
     * {@code F.linear}: one addmm, on the input as it is laid out. A strided input (Sana's linear-attention output,
     * heads transposed back) takes a slower bf16 path than a contiguous copy would, but a copy first changes the
     * kernel and so the bf16 rounding: measured, it moved a visible 4-step golden case outside the yardstick.
     */
    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        DType d = matmulType(x, w, b);
        return op(() -> torch.linear(as(x, d), as(w, d), b == null ? new TensorOptional() : new TensorOptional(as(b, d))));
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        DType d = matmulType(x, w, bias);
        long[] st = {stride[0], stride[1]};
        long[] pd = {padding[0], padding[1]};
        long[] dl = {dilation[0], dilation[1]};
        boolean cl = channelsLast && d == DType.BF16;
        return op(() -> {
            org.bytedeco.pytorch.Tensor in;
            org.bytedeco.pytorch.Tensor wt = as(w, d);
            if (cl) {
                // cast and re-layout in one pass (a float32 DC-AE residual stream feeds every conv)
                in = n(x).to(scalarType(d), false, false, new MemoryFormatOptional(torch.MemoryFormat.ChannelsLast));
                wt = wt.contiguous(torch.MemoryFormat.ChannelsLast);
            } else {
                in = as(x, d);
            }
            return torch.conv2d(in, wt, bias == null ? new TensorOptional() : new TensorOptional(as(bias, d)), st, pd, dl, groups);
        });
    }

    /** libtorch's fused layer norm (statistics in float32 for reduced types). */
    @Override
    public Tensor layerNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        long[] normalized = {x.size(-1)};
        DType d = weight != null ? weight.dtype() : x.dtype();
        return op(() -> torch.layer_norm(as(x, d), normalized, weight == null ? new TensorOptional() : new TensorOptional(as(weight, d)),
                bias == null ? new TensorOptional() : new TensorOptional(as(bias, d)), eps, false));
    }

    /**
     * diffusers' {@code RMSNorm}: the mean square in float32, {@code x·rsqrt(ms + eps)} in float32, then rounded to
     * the weight's type and scaled (or back to the input's type without a weight).
     */
    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, double eps) {
        return rmsNorm(x, weight, null, eps);
    }

    /** A reduced-type input, or parameters of another type than the input: the float32-statistics path. */
    private static boolean reducedRmsNorm(Tensor x, Tensor weight, Tensor bias) {
        return reduced(x.dtype()) || (weight != null && weight.dtype() != x.dtype()) || (bias != null && bias.dtype() != x.dtype());
    }

    /** Float32 elements of one {@link #rmsNorm} chunk: its temporaries stay in a core's cache. */
    static final long RMS_CHUNK_ELEMENTS = 1 << 18;

    /**
     * {@link #rmsNorm(Tensor, Tensor, double)} plus diffusers' bias ({@code (y·w) + b}, each rounded in the weight's
     * type). Reduced types run in cached chunks of rows ({@link #rmsNormRows}).
     */
    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, Tensor bias, double eps) {
        if (!reducedRmsNorm(x, weight, bias)) {
            Tensor y = TensorBackend.super.rmsNorm(x, weight, eps);
            return bias == null ? y : addInPlace(y, bias);
        }
        DType outDType = weight != null ? weight.dtype() : x.dtype();
        long[] shape = x.shape();
        long c = shape[shape.length - 1];
        long rows = c == 0 ? 0 : x.numel() / c;
        return op(() -> {
            org.bytedeco.pytorch.Tensor out = torch.empty(new long[] {rows, c}, options(outDType), new MemoryFormatOptional());
            rmsNormRows(rowsOf(x, rows, c), c, weight, bias, eps, new RowChunks() {
                @Override
                public org.bytedeco.pytorch.Tensor target(long r0, long len) {
                    return out.narrow(0, r0, len);
                }
            });
            return out.view(shape);
        });
    }

    /**
     * As {@link #rmsNorm(Tensor, Tensor, Tensor, double)}, each normalised chunk added into {@code acc} while it is
     * still in cache: the normalised tensor is never written whole (a 1024² DC-AE block's is 256 MB written and read
     * back). Same operations per element, so the same values as the two calls.
     */
    @Override
    public Tensor addRmsNorm(Tensor acc, Tensor x, Tensor weight, Tensor bias, double eps) {
        if (!reducedRmsNorm(x, weight, bias) || !java.util.Arrays.equals(acc.shape(), x.shape()) || weight == null
                || !inPlaceOk(acc, weight) || !n(acc).is_contiguous()) {
            return TensorBackend.super.addRmsNorm(acc, x, weight, bias, eps);
        }
        long[] shape = x.shape();
        long c = shape[shape.length - 1];
        long rows = c == 0 ? 0 : x.numel() / c;
        inPlace(() -> {
            org.bytedeco.pytorch.Tensor sum = n(acc).view(rows, c);
            // one chunk's normalised rows, reused from chunk to chunk
            org.bytedeco.pytorch.Tensor o = torch.empty(new long[] {Math.min(rmsChunkRows(c), rows), c},
                    options(weight.dtype()), new MemoryFormatOptional());
            rmsNormRows(rowsOf(x, rows, c), c, weight, bias, eps, new RowChunks() {
                @Override
                public org.bytedeco.pytorch.Tensor target(long r0, long len) {
                    return len == o.size(0) ? o : o.narrow(0, 0, len);
                }

                @Override
                public void done(long r0, long len, org.bytedeco.pytorch.Tensor normalised) {
                    sum.narrow(0, r0, len).add_(normalised);
                }
            });
            return sum;
        });
        return acc;
    }

    /**
     * x as (rows, c) with a contiguous last axis: DC-AE normalises channels through a permuted view (a no-op when its
     * activations are channels-last), and a reduction over a strided axis runs far below memory speed.
     */
    private static org.bytedeco.pytorch.Tensor rowsOf(Tensor x, long rows, long c) {
        return n(x).contiguous().view(rows, c);
    }

    private static long rmsChunkRows(long c) {
        return Math.max(1, RMS_CHUNK_ELEMENTS / Math.max(1, c));
    }

    /** Where {@link #rmsNormRows} writes a chunk's normalised rows, and what follows once they are there. */
    private interface RowChunks {
        org.bytedeco.pytorch.Tensor target(long r0, long len);

        default void done(long r0, long len, org.bytedeco.pytorch.Tensor normalised) {}
    }

    /**
     * diffusers' RMSNorm of {@code in} (rows, c) under a reduced type, in chunks of rows: a chunk's float32 copy,
     * squares and statistics live in buffers reused from chunk to chunk, so they stay in a core's cache (whole-tensor
     * float32 temporaries of a 1024² DC-AE activation, 512 MB each, cost more in page faults and memory traffic than
     * the arithmetic); {@code x·rsqrt(ms + eps)} is computed in float32 and rounded once into the target's type (the
     * same value as {@code (x.float()·r).to(type)}), then {@code ·w} and {@code +b} are applied in that type.
     */
    private void rmsNormRows(org.bytedeco.pytorch.Tensor in, long c, Tensor weight, Tensor bias, double eps, RowChunks sink) {
        long rows = in.size(0);
        long chunk = rmsChunkRows(c);
        long len0 = Math.min(chunk, rows);
        long[] last = {-1};
        boolean floatIn = in.scalar_type().intern() == ScalarType.Float;
        TensorOptions f32 = new TensorOptions(ScalarType.Float);
        org.bytedeco.pytorch.Tensor xf = floatIn ? null : torch.empty(new long[] {len0, c}, f32, new MemoryFormatOptional());
        org.bytedeco.pytorch.Tensor sq = torch.empty(new long[] {len0, c}, f32, new MemoryFormatOptional());
        org.bytedeco.pytorch.Tensor rs = torch.empty(new long[] {len0, 1}, f32, new MemoryFormatOptional());
        for (long r0 = 0; r0 < rows; r0 += chunk) {
            long len = Math.min(chunk, rows - r0);
            try (PointerScope temps = new PointerScope()) {
                org.bytedeco.pytorch.Tensor xc = in.narrow(0, r0, len);
                org.bytedeco.pytorch.Tensor f = floatIn ? xc : len == len0 ? xf : xf.narrow(0, 0, len);
                if (!floatIn) f.copy_(xc);
                org.bytedeco.pytorch.Tensor q = len == len0 ? sq : sq.narrow(0, 0, len);
                org.bytedeco.pytorch.Tensor r = len == len0 ? rs : rs.narrow(0, 0, len);
                torch.mul_out(q, f, f);
                torch.mean_out(r, q, last, true, new ScalarTypeOptional());
                r.add_(new Scalar(eps)).rsqrt_();
                org.bytedeco.pytorch.Tensor o = sink.target(r0, len);
                if (o.scalar_type().intern() == ScalarType.Float) {
                    torch.mul_out(o, f, r);
                } else { // float32 product, then one rounding copy: a mixed-type mul runs a scalar casting loop
                    torch.mul_out(q, f, r);
                    o.copy_(q);
                }
                if (weight != null) o.mul_(n(weight));
                if (bias != null) o.add_(n(bias));
                sink.done(r0, len, o);
            }
        }
    }

    @Override
    public Tensor groupNorm(Tensor x, int groups, Tensor weight, Tensor bias, double eps) {
        DType d = weight != null ? weight.dtype() : x.dtype();
        return op(() -> torch.group_norm(as(x, d), groups, weight == null ? new TensorOptional() : new TensorOptional(as(weight, d)),
                bias == null ? new TensorOptional() : new TensorOptional(as(bias, d)), eps, false));
    }

    /**
     * {@code F.scaled_dot_product_attention}: libtorch picks its fused CPU (flash) or CUDA kernel, so the score
     * matrix is never materialised whole. The additive mask is given in the queries' type, as PyTorch requires.
     */
    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale) {
        DType d = matmulType(q, k, v);
        return op(() -> torch.scaled_dot_product_attention(as(q, d), as(k, d), as(v, d),
                mask == null ? new TensorOptional() : new TensorOptional(as(mask, d)), 0.0, false, new DoubleOptional(scale), false));
    }

    @Override
    public Tensor attention(Tensor q, Tensor k, Tensor v, Tensor mask, double scale, long maxScoreBytes) {
        return attention(q, k, v, mask, scale);
    }

    /**
     * Nearest mode through libtorch's upsampling kernel (the default composite gathers rows, then columns: two passes
     * over the largest DC-AE activations); same source pixels, so the same values.
     */
    @Override
    public Tensor interpolate(Tensor x, int outH, int outW, dev.sprint.core.tensor.ResizeMode mode, boolean alignCorners) {
        long[] size = {outH, outW};
        if (mode == dev.sprint.core.tensor.ResizeMode.NEAREST) {
            return op(() -> torch.upsample_nearest2d(n(x), size, new DoubleOptional(), new DoubleOptional()));
        }
        return TensorBackend.super.interpolate(x, outH, outW, mode, alignCorners);
    }

    /**
     * One pass: the four phase windows and the shortcut are read through strided views (no window copies, no
     * concatenation, no pixel-shuffle copy) and summed into a channels-last result, the layout the next convolution
     * wants. Shortcut channel {@code (4c + 2py + px) / r} is a linear index for r = 1, 2, 4; a larger multiple of 4
     * first repeats the shortcut's channels r/4 times.
     */
    @Override
    public Tensor upsamplePhases(Tensor phases, Tensor shortcut, int r) {
        long b = phases.size(0);
        long c = phases.size(1) / 4;
        long h = phases.size(2) - 1;
        long w = phases.size(3) - 1;
        boolean linear = r == 1 || r == 2 || r % 4 == 0;
        if (phases.size(1) % 4 != 0 || !linear || shortcut.size(1) * r != 4 * c || shortcut.size(0) != b
                || shortcut.size(2) != h || shortcut.size(3) != w) {
            return TensorBackend.super.upsamplePhases(phases, shortcut, r);
        }
        boolean sameType = phases.dtype() == shortcut.dtype();
        if (!sameType && !(f32OrReduced(phases.dtype()) && f32OrReduced(shortcut.dtype()))) {
            return TensorBackend.super.upsamplePhases(phases, shortcut, r);
        }
        DType outType = sameType ? phases.dtype() : DType.F32; // bf16 phases + float32 stream: float32, as PyTorch promotes
        long[] size = {b, c, h, 2, w, 2};
        return op(() -> {
            org.bytedeco.pytorch.Tensor o = n(phases);
            long[] os = o.strides().vec().get();
            // phases[b, p·C + c, i + py, j + px] with p = 2py + px
            org.bytedeco.pytorch.Tensor o6 = o.as_strided(size,
                    new long[] {os[0], os[1], os[2], 2 * c * os[1] + os[2], os[3], c * os[1] + os[3]}, new LongOptional(o.storage_offset()));
            org.bytedeco.pytorch.Tensor x = n(shortcut);
            int rr = r;
            if (r > 4) {
                x = x.repeat_interleave(r / 4, new LongOptional(1), new LongOptional());
                rr = 4;
            }
            long[] xs = x.strides().vec().get();
            long[] xStride = switch (rr) {
                case 1 -> new long[] {xs[0], 4 * xs[1], xs[2], 2 * xs[1], xs[3], xs[1]};
                case 2 -> new long[] {xs[0], 2 * xs[1], xs[2], xs[1], xs[3], 0};
                default -> new long[] {xs[0], xs[1], xs[2], 0, xs[3], 0};
            };
            org.bytedeco.pytorch.Tensor x6 = x.as_strided(size, xStride, new LongOptional(x.storage_offset()));
            org.bytedeco.pytorch.Tensor y = torch.empty(new long[] {b, c, 2 * h, 2 * w}, options(outType),
                    new MemoryFormatOptional(torch.MemoryFormat.ChannelsLast));
            long[] ys = y.strides().vec().get();
            // y[b, c, 2i + py, 2j + px]
            org.bytedeco.pytorch.Tensor y6 = y.as_strided(size,
                    new long[] {ys[0], ys[1], 2 * ys[2], ys[2], 2 * ys[3], ys[3]}, new LongOptional(y.storage_offset()));
            if (phases.dtype() == outType && shortcut.dtype() == outType) {
                torch.add_out(y6, o6, x6);
            } else {
                // mixed types (bf16 phases, float32 stream): libtorch's add would cast element by element in a scalar
                // loop; a converting copy then a same-type add compute the same float32 sums, vectorised
                y6.copy_(o6);
                y6.add_(x6);
            }
            return y;
        });
    }

    // ---- shape -------------------------------------------------------------------------------------

    @Override
    public Tensor reshape(Tensor a, long... shape) {
        return op(() -> n(a).reshape(shape));
    }

    @Override
    public Tensor permute(Tensor a, int... axes) {
        long[] p = new long[axes.length];
        for (int i = 0; i < p.length; i++) p[i] = axis(axes[i], axes.length);
        return op(() -> n(a).permute(p));
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        int ax = axis(axis, parts.get(0).rank());
        return op(() -> {
            org.bytedeco.pytorch.Tensor[] ts = new org.bytedeco.pytorch.Tensor[parts.size()];
            for (int i = 0; i < ts.length; i++) ts[i] = n(parts.get(i));
            return torch.cat(new TensorVector(ts), ax);
        });
    }

    @Override
    public Tensor slice(Tensor a, int axis, long start, long end) {
        int ax = axis(axis, a.rank());
        long[] bounds = TensorBackend.sliceBounds(start, end, a.size(ax));
        return op(() -> n(a).slice(ax, new LongOptional(bounds[0]), new LongOptional(bounds[1]), 1));
    }

    @Override
    public Tensor indexSelect(Tensor a, int axis, Tensor indices) {
        int ax = axis(axis, a.rank());
        return op(() -> torch.index_select(n(a), ax, n(indices)));
    }

    @Override
    public Tensor broadcastTo(Tensor a, long... shape) {
        return op(() -> n(a).expand(shape));
    }

    @Override
    public Tensor cast(Tensor a, DType dtype) {
        if (a.dtype() == dtype) return a;
        ScalarType s = scalarType(dtype);
        return op(() -> n(a).to(s));
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (PROFILE) {
            profile.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0])).limit(40)
                    .forEach(e -> LOG.info("profile {} ms {} calls {}", e.getValue()[0] / 1_000_000, e.getValue()[1], e.getKey()));
        }
        root.freeAll();
        if (holdsSingleBlas) LibtorchNatives.releaseSingleBlasThread();
    }
}
