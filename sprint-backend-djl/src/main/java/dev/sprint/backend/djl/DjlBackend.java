package dev.sprint.backend.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.sprint.api.BackendException;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.UnaryOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * The tensor API on DJL's NDArray with the PyTorch engine (libtorch), eager, on CPU or CUDA.
 *
 * <p>Memory: DJL attaches an operation's result to the manager of its first input, which for a
 * weight is the backend's long-lived root manager. Every result is therefore re-attached to the
 * calling thread's innermost open {@link Scope} (an NDManager sub-manager), so closing the scope frees
 * all intermediates of a forward pass. Weights and tensors made outside any scope live in the root
 * manager until {@link #close()}.
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
    private volatile boolean closed;

    DjlBackend(Device device, DType floatType) {
        this.device = device;
        this.floatType = floatType;
        this.root = NDManager.newBaseManager(device);
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

    private NDManager current() {
        NDManager m = scopes.get().peek();
        return m != null ? m : root;
    }

    private DjlTensor wrap(NDArray a, DType t, long start) {
        a.attach(current());
        kernelNanos.get()[0] += System.nanoTime() - start;
        return new DjlTensor(this, a, t);
    }

    private static DjlTensor t(Tensor x) {
        if (x instanceof DjlTensor d) return d;
        throw new IllegalArgumentException("tensor " + x + " does not belong to the DJL backend");
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
                    + "bf16 checkpoints are converted to float32/float16 on upload");
        };
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("DJL backend is closed");
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
                a(x).attach(parent);
                return x;
            }

            @Override
            public void close() {
                if (!open) return;
                if (stack.peek() != m) throw new IllegalStateException("scopes must be closed in reverse order of opening");
                open = false;
                stack.pop();
                m.close();
            }
        };
    }

    @Override
    public Tensor upload(HostTensor data, DType dtype) {
        checkOpen();
        long start = System.nanoTime();
        Shape shape = new Shape(data.shape());
        HostTensor h = data;
        DType stored = h.dtype();
        if (stored == DType.BF16 || (stored != dtype && dtype.isFloating() && stored.isFloating() && stored != DType.F32)) {
            // bf16 (and f16/f64 that must change type) go through float32 in Java: DJL's bf16 cast is unsafe
            h = HostTensor.ofFloats(h.toFloats(), h.shape());
            stored = DType.F32;
        }
        ByteBuffer b = h.data();
        if (!b.isDirect()) {
            ByteBuffer d = ByteBuffer.allocateDirect(b.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            d.put(b.duplicate());
            d.flip();
            b = d;
        }
        NDArray arr = current().create(b.slice().order(ByteOrder.LITTLE_ENDIAN), shape, djl(stored));
        if (stored != dtype) {
            NDArray c = arr.toType(djl(dtype), false);
            arr.close();
            arr = c;
        }
        return wrap(arr, dtype, start);
    }

    @Override
    public HostTensor download(Tensor x) {
        DjlTensor d = t(x);
        NDArray arr = d.array;
        if (arr.getDevice().isGpu()) arr = arr.toDevice(Device.cpu(), true);
        if (d.dtype() == DType.BF16) { // held as float32 values that are exactly bf16
            float[] f = arr.toFloatArray();
            ByteBuffer b = ByteBuffer.allocate(f.length * 2).order(ByteOrder.LITTLE_ENDIAN);
            for (float v : f) b.putShort(dev.sprint.core.tensor.Half.floatToBf16(v));
            b.flip();
            if (arr != d.array) arr.close();
            return new HostTensor(DType.BF16, d.shape(), b);
        }
        ByteBuffer src = arr.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer copy = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        copy.put(src);
        copy.flip();
        if (arr != d.array) arr.close();
        return new HostTensor(d.dtype(), d.shape(), copy);
    }

    @Override
    public Tensor full(double value, DType dtype, long... shape) {
        checkOpen();
        long start = System.nanoTime();
        return wrap(current().full(new Shape(shape), (float) value, djl(dtype)), dtype, start);
    }

    // ---- elementwise -------------------------------------------------------------------------------

    @Override
    public Tensor add(Tensor x, Tensor y) {
        long s = System.nanoTime();
        return wrap(a(x).add(a(y)), x.dtype(), s);
    }

    @Override
    public Tensor sub(Tensor x, Tensor y) {
        long s = System.nanoTime();
        return wrap(a(x).sub(a(y)), x.dtype(), s);
    }

    @Override
    public Tensor mul(Tensor x, Tensor y) {
        long s = System.nanoTime();
        return wrap(a(x).mul(a(y)), x.dtype(), s);
    }

    @Override
    public Tensor div(Tensor x, Tensor y) {
        long s = System.nanoTime();
        return wrap(a(x).div(a(y)), x.dtype(), s);
    }

    @Override
    public Tensor addScalar(Tensor x, double v) {
        long s = System.nanoTime();
        return wrap(a(x).add((float) v), x.dtype(), s);
    }

    @Override
    public Tensor mulScalar(Tensor x, double v) {
        long s = System.nanoTime();
        return wrap(a(x).mul((float) v), x.dtype(), s);
    }

    @Override
    public Tensor powScalar(Tensor x, double p) {
        long s = System.nanoTime();
        return wrap(a(x).pow((float) p), x.dtype(), s);
    }

    @Override
    public Tensor unary(Tensor x, UnaryOp op) {
        long s = System.nanoTime();
        NDArray v = a(x);
        NDArray r = switch (op) {
            case NEG -> v.neg();
            case ABS -> v.abs();
            case EXP -> v.exp();
            case LOG -> v.log();
            case SQRT -> v.sqrt();
            case RSQRT -> {
                try (NDArray q = v.sqrt()) {
                    yield q.pow(-1f);
                }
            }
            case SQUARE -> v.mul(v);
            case TANH -> v.tanh();
            case SIGMOID -> Activation.sigmoid(v);
            case SIN -> v.sin();
            case COS -> v.cos();
            case ERF -> v.erf();
            case RELU -> Activation.relu(v);
            case SILU -> {
                try (NDArray g = Activation.sigmoid(v)) {
                    yield v.mul(g);
                }
            }
            case GELU -> Activation.gelu(v); // torch gelu, exact erf form
            case GELU_TANH -> { // 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))), composed: DJL has no approximate flag
                try (NDArray c = v.mul(v).mul(v).mul(0.044715f); NDArray in = v.add(c).mul((float) Math.sqrt(2 / Math.PI));
                     NDArray th = in.tanh().add(1f)) {
                    yield v.mul(0.5f).mul(th);
                }
            }
            case QUICK_GELU -> {
                try (NDArray g = Activation.sigmoid(v.mul(1.702f))) {
                    yield v.mul(g);
                }
            }
        };
        return wrap(r, x.dtype(), s);
    }

    @Override
    public Tensor clamp(Tensor x, double min, double max) {
        long s = System.nanoTime();
        return wrap(a(x).clip((float) min, (float) max), x.dtype(), s);
    }

    // ---- reductions --------------------------------------------------------------------------------

    private static int axis(int axis, int rank) {
        int ax = axis < 0 ? axis + rank : axis;
        if (ax < 0 || ax >= rank) throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
        return ax;
    }

    @Override
    public Tensor sum(Tensor x, int axis, boolean keepDim) {
        long s = System.nanoTime();
        return wrap(a(x).sum(new int[] {axis(axis, x.rank())}, keepDim), x.dtype(), s);
    }

    @Override
    public Tensor mean(Tensor x, int axis, boolean keepDim) {
        long s = System.nanoTime();
        return wrap(a(x).mean(new int[] {axis(axis, x.rank())}, keepDim), x.dtype(), s);
    }

    @Override
    public Tensor max(Tensor x, int axis, boolean keepDim) {
        long s = System.nanoTime();
        return wrap(a(x).max(new int[] {axis(axis, x.rank())}, keepDim), x.dtype(), s);
    }

    @Override
    public Tensor softmax(Tensor x, int axis) {
        long s = System.nanoTime();
        return wrap(a(x).softmax(axis(axis, x.rank())), x.dtype(), s);
    }

    // ---- linear algebra ----------------------------------------------------------------------------

    @Override
    public Tensor matmul(Tensor x, Tensor y) {
        if (x.rank() < 2 || y.rank() < 2) throw new IllegalArgumentException("matmul needs rank >= 2");
        long s = System.nanoTime();
        return wrap(a(x).matMul(a(y)), x.dtype(), s);
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor b) {
        long s = System.nanoTime();
        NDList r = b == null ? ai.djl.nn.core.Linear.linear(a(x), a(w)) : ai.djl.nn.core.Linear.linear(a(x), a(w), a(b));
        return wrap(r.singletonOrThrow(), x.dtype(), s);
    }

    @Override
    public Tensor conv2d(Tensor x, Tensor w, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        long s = System.nanoTime();
        NDList r = ai.djl.nn.convolutional.Conv2d.conv2d(a(x), a(w), bias == null ? null : a(bias), new Shape(stride[0], stride[1]),
                new Shape(padding[0], padding[1]), new Shape(dilation[0], dilation[1]), groups);
        return wrap(r.singletonOrThrow(), x.dtype(), s);
    }

    // ---- shape -------------------------------------------------------------------------------------

    @Override
    public Tensor reshape(Tensor x, long... shape) {
        long s = System.nanoTime();
        return wrap(a(x).reshape(new Shape(shape)), x.dtype(), s);
    }

    @Override
    public Tensor permute(Tensor x, int... axes) {
        int[] p = new int[axes.length];
        for (int i = 0; i < p.length; i++) p[i] = axis(axes[i], axes.length);
        long s = System.nanoTime();
        return wrap(a(x).transpose(p), x.dtype(), s);
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        NDList l = new NDList();
        for (Tensor p : parts) l.add(a(p));
        long s = System.nanoTime();
        return wrap(NDArrays.concat(l, axis(axis, parts.get(0).rank())), parts.get(0).dtype(), s);
    }

    private static String prefix(int axis) {
        return ":, ".repeat(axis);
    }

    @Override
    public Tensor slice(Tensor x, int axis, long start, long end) {
        int ax = axis(axis, x.rank());
        long len = x.size(ax);
        long s0 = Math.max(0, Math.min(start < 0 ? start + len : start, len));
        long e0 = Math.max(s0, Math.min(end < 0 ? end + len : end, len));
        long s = System.nanoTime();
        return wrap(a(x).get(new NDIndex(prefix(ax) + s0 + ":" + e0)), x.dtype(), s);
    }

    @Override
    public Tensor indexSelect(Tensor x, int axis, Tensor indices) {
        int ax = axis(axis, x.rank());
        long s = System.nanoTime();
        return wrap(a(x).get(new NDIndex(prefix(ax) + "{}", a(indices))), x.dtype(), s);
    }

    @Override
    public Tensor broadcastTo(Tensor x, long... shape) {
        long s = System.nanoTime();
        return wrap(a(x).broadcast(new Shape(shape)), x.dtype(), s);
    }

    @Override
    public Tensor cast(Tensor x, DType dtype) {
        if (x.dtype() == dtype) return x;
        if (dtype == DType.BF16) {
            // libtorch bf16 through DJL kills the JVM: hold bf16 values (rounded in Java) in a float32 array
            float[] f = toFloats(x);
            for (int i = 0; i < f.length; i++) f[i] = dev.sprint.core.tensor.Half.bf16ToFloat(dev.sprint.core.tensor.Half.floatToBf16(f[i]));
            DjlTensor held = (DjlTensor) upload(HostTensor.ofFloats(f, x.shape()), DType.F32);
            return new DjlTensor(this, held.array, DType.BF16);
        }
        if (x.dtype() == DType.BF16) {
            DjlTensor held = new DjlTensor(this, a(x), DType.F32);
            return dtype == DType.F32 ? held : cast(held, dtype);
        }
        long s = System.nanoTime();
        return wrap(a(x).toType(djl(dtype), false), dtype, s);
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        root.close();
    }
}
