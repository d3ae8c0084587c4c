package dev.sprint.core.plan;

import dev.sprint.api.BackendException;
import dev.sprint.core.tensor.DType;
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
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * A backend that computes nothing: every operation only infers its result's shape (PyTorch's rules), counts
 * its floating-point work and tracks the bytes an eager backend would hold. Running a model on it (built from
 * the real checkpoint's headers, so nothing is read or converted) tells, before any real work:
 * <ul>
 *   <li>the bytes of the weights the model keeps ({@link #weightBytes()});</li>
 *   <li>the peak bytes of activations alive at once ({@link #peakActivationBytes()}), following scopes and
 *       early {@code close()}s as an eager backend frees them — views (reshape of a contiguous tensor,
 *       permute, slice, expand) cost nothing, materialising ops cost their output;</li>
 *   <li>the multiply-adds of matmuls and convolutions ({@link #flops()}: 2 per multiply-add), the FLOP floor of a
 *       stage.</li>
 * </ul>
 * Downloads return zeros of the right shape. Use one instance per measurement, on one thread.
 */
public final class MetaBackend implements TensorBackend {
    private final DType floatType;
    private final Deque<List<Meta>> scopes = new ArrayDeque<>();
    private long weightBytes;
    private long live;
    private long peak;
    private long flops;
    private int arenaDepth;
    private long nestedBytes;
    private long largestNested;

    public MetaBackend(DType floatType) {
        this.floatType = floatType;
    }

    public MetaBackend() {
        this(DType.F32);
    }

    /** Bytes held by weights uploaded so far. */
    public long weightBytes() {
        return weightBytes;
    }

    /** Largest number of activation bytes alive at one time since the last {@link #resetPeak()}. */
    public long peakActivationBytes() {
        return peak;
    }

    /** Activation bytes alive now. */
    public long liveActivationBytes() {
        return live;
    }

    /** Floating-point operations of matmuls and convolutions (2 per multiply-add) since the last {@link #resetFlops()}. */
    public long flops() {
        return flops;
    }

    public void resetFlops() {
        flops = 0;
    }

    public void resetPeak() {
        peak = live;
    }

    /**
     * Weight bytes built in arenas nested inside another arena since {@link #resetBlocks()}: the blocks of a
     * {@link dev.sprint.core.nn.BlockStack}, which a low-memory plan can stream one at a time.
     */
    public long nestedBytes() {
        return nestedBytes;
    }

    /** The largest such block. */
    public long largestNestedBytes() {
        return largestNested;
    }

    public void resetBlocks() {
        nestedBytes = 0;
        largestNested = 0;
    }

    /** Arenas only measure: the bytes of weights built inside each, and which are nested (blocks of a model). */
    @Override
    public dev.sprint.core.tensor.Arena newArena() {
        return new dev.sprint.core.tensor.Arena() {
            @Override
            public <T> T build(java.util.function.Supplier<T> f) {
                long before = weightBytes;
                arenaDepth++;
                try {
                    return f.get();
                } finally {
                    arenaDepth--;
                    long d = weightBytes - before;
                    if (arenaDepth >= 1) {
                        nestedBytes += d;
                        largestNested = Math.max(largestNested, d);
                    }
                }
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public String name() {
        return "meta";
    }

    @Override
    public String device() {
        return "meta";
    }

    @Override
    public DType floatType() {
        return floatType;
    }

    @Override
    public void close() {
        // nothing held
    }

    // ---- tensors -------------------------------------------------------------------------------------

    /** A shape, a dtype, the bytes it holds (0 for a view or a weight) and whether it is laid out contiguously. */
    final class Meta implements Tensor {
        final long[] shape;
        final DType dtype;
        final boolean contiguous;
        long bytes;

        Meta(long[] shape, DType dtype, boolean contiguous, long bytes) {
            this.shape = shape;
            this.dtype = dtype;
            this.contiguous = contiguous;
            this.bytes = bytes;
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
            return MetaBackend.this;
        }

        @Override
        public void close() {
            live -= bytes;
            bytes = 0;
        }

        @Override
        public String toString() {
            return "Meta" + describe();
        }
    }

    private Meta m(Tensor t) {
        if (t instanceof Meta x && x.backend() == this) return x;
        throw new BackendException("tensor " + t + " does not belong to this meta backend");
    }

    /** A new materialised tensor: counted as live until closed or its scope closes. */
    private Meta alloc(long[] shape, DType dtype) {
        long b = HostTensor.numel(shape) * dtype.bytes();
        Meta t = new Meta(shape, dtype, true, b);
        live += b;
        peak = Math.max(peak, live);
        List<Meta> scope = scopes.peek();
        if (scope != null) scope.add(t);
        return t;
    }

    private Meta view(Meta base, long[] shape, boolean contiguous) {
        return new Meta(shape, base.dtype, contiguous, 0);
    }

    @Override
    public Scope newScope() {
        List<Meta> mine = new ArrayList<>();
        scopes.push(mine);
        return new Scope() {
            private boolean open = true;

            @Override
            public Tensor keep(Tensor t) {
                Meta x = m(t);
                if (mine.remove(x)) {
                    List<Meta> parent = parentOf(mine);
                    if (parent != null) parent.add(x);
                }
                return t;
            }

            @Override
            public void close() {
                if (!open) return;
                open = false;
                scopes.remove(mine);
                for (Meta t : mine) t.close();
            }
        };
    }

    private List<Meta> parentOf(List<Meta> scope) {
        boolean seen = false;
        for (List<Meta> s : scopes) {
            if (seen) return s;
            if (s == scope) seen = true;
        }
        return null;
    }

    @Override
    public Tensor upload(HostTensor data, DType dtype) {
        return alloc(data.shape(), dtype);
    }

    @Override
    public Tensor weight(TensorData data) {
        DType t = data.dtype().isFloating() ? floatType : data.dtype();
        weightBytes += data.numel() * t.bytes();
        return new Meta(data.shape(), t, true, 0);
    }

    @Override
    public HostTensor download(Tensor t) {
        Meta x = m(t);
        long n = HostTensor.numel(x.shape);
        return new HostTensor(x.dtype, x.shape, ByteBuffer.allocate(Math.toIntExact(n * x.dtype.bytes())).order(ByteOrder.LITTLE_ENDIAN));
    }

    @Override
    public Tensor full(double value, DType dtype, long... shape) {
        return alloc(shape.clone(), dtype);
    }

    // ---- elementwise ----------------------------------------------------------------------------------

    private Tensor binary(Tensor a, Tensor b) {
        Meta x = m(a);
        Meta y = m(b);
        return alloc(TensorBackend.broadcastShapes(x.shape, y.shape), x.dtype);
    }


    @Override public Tensor add(Tensor a, Tensor b) { return binary(a, b); }
    @Override public Tensor sub(Tensor a, Tensor b) { return binary(a, b); }
    @Override public Tensor mul(Tensor a, Tensor b) { return binary(a, b); }
    @Override public Tensor div(Tensor a, Tensor b) { return binary(a, b); }

    private Tensor same(Tensor a) {
        Meta x = m(a);
        return alloc(x.shape.clone(), x.dtype);
    }

    @Override public Tensor addScalar(Tensor a, double v) { return same(a); }
    @Override public Tensor mulScalar(Tensor a, double v) { return same(a); }
    @Override public Tensor powScalar(Tensor a, double p) { return same(a); }
    @Override public Tensor unary(Tensor a, UnaryOp op) { return same(a); }
    @Override public Tensor clamp(Tensor a, double min, double max) { return same(a); }
    @Override public Tensor softmax(Tensor a, int axis) { return same(a); }

    @Override
    public Tensor cast(Tensor a, DType dtype) {
        Meta x = m(a);
        return x.dtype == dtype ? a : alloc(x.shape.clone(), dtype);
    }

    // ---- reductions -----------------------------------------------------------------------------------

    private Tensor reduce(Tensor a, int axis, boolean keepDim) {
        Meta x = m(a);
        int ax = axis(axis, x.shape.length);
        long[] s;
        if (keepDim) {
            s = x.shape.clone();
            s[ax] = 1;
        } else {
            s = new long[x.shape.length - 1];
            for (int i = 0, j = 0; i < x.shape.length; i++) if (i != ax) s[j++] = x.shape[i];
        }
        return alloc(s, x.dtype);
    }

    @Override public Tensor sum(Tensor a, int axis, boolean keepDim) { return reduce(a, axis, keepDim); }
    @Override public Tensor mean(Tensor a, int axis, boolean keepDim) { return reduce(a, axis, keepDim); }
    @Override public Tensor max(Tensor a, int axis, boolean keepDim) { return reduce(a, axis, keepDim); }

    private static int axis(int axis, int rank) {
        int ax = axis < 0 ? axis + rank : axis;
        if (ax < 0 || ax >= rank) throw new BackendException("axis " + axis + " out of range for rank " + rank);
        return ax;
    }

    // ---- linear algebra -------------------------------------------------------------------------------

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        Meta x = m(a);
        Meta y = m(b);
        int ra = x.shape.length;
        int rb = y.shape.length;
        if (ra < 2 || rb < 2) throw new BackendException("matmul needs rank >= 2, got " + x + " and " + y);
        long n = x.shape[ra - 2];
        long k = x.shape[ra - 1];
        long mm = y.shape[rb - 1];
        if (y.shape[rb - 2] != k) throw new BackendException("matmul " + x.describe() + " · " + y.describe());
        long[] batch = TensorBackend.broadcastShapes(Arrays.copyOf(x.shape, ra - 2), Arrays.copyOf(y.shape, rb - 2));
        long[] out = Arrays.copyOf(batch, batch.length + 2);
        out[batch.length] = n;
        out[batch.length + 1] = mm;
        flops += 2 * HostTensor.numel(batch) * n * mm * k;
        return alloc(out, x.dtype);
    }

    @Override
    public Tensor conv2d(Tensor xt, Tensor wt, Tensor bias, int[] stride, int[] padding, int[] dilation, int groups) {
        Meta x = m(xt);
        Meta w = m(wt);
        long n = x.shape[0];
        long cout = w.shape[0];
        long cinPerGroup = w.shape[1];
        long kh = w.shape[2];
        long kw = w.shape[3];
        long ho = (x.shape[2] + 2L * padding[0] - dilation[0] * (kh - 1) - 1) / stride[0] + 1;
        long wo = (x.shape[3] + 2L * padding[1] - dilation[1] * (kw - 1) - 1) / stride[1] + 1;
        flops += 2 * n * cout * ho * wo * cinPerGroup * kh * kw;
        return alloc(new long[] {n, cout, ho, wo}, x.dtype);
    }

    // ---- shape ------------------------------------------------------------------------------------------

    @Override
    public Tensor reshape(Tensor a, long... shape) {
        Meta x = m(a);
        long n = HostTensor.numel(x.shape);
        long[] s = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) infer = i;
            else known *= s[i];
        }
        if (infer >= 0) s[infer] = known == 0 ? 0 : n / known;
        if (HostTensor.numel(s) != n) {
            throw new BackendException("cannot reshape " + x.describe() + " to " + Arrays.toString(shape));
        }
        // a reshape of a non-contiguous tensor copies (as torch.reshape does)
        return x.contiguous ? view(x, s, true) : alloc(s, x.dtype);
    }

    @Override
    public Tensor permute(Tensor a, int... axes) {
        Meta x = m(a);
        long[] s = new long[axes.length];
        boolean identity = true;
        for (int i = 0; i < axes.length; i++) {
            s[i] = x.shape[axis(axes[i], x.shape.length)];
            identity &= axis(axes[i], x.shape.length) == i;
        }
        return view(x, s, x.contiguous && identity);
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        Meta first = m(parts.get(0));
        int ax = axis(axis, first.shape.length);
        long[] s = first.shape.clone();
        s[ax] = 0;
        for (Tensor p : parts) s[ax] += m(p).shape[ax];
        return alloc(s, first.dtype);
    }

    @Override
    public Tensor slice(Tensor a, int axis, long start, long end) {
        Meta x = m(a);
        int ax = axis(axis, x.shape.length);
        long len = x.shape[ax];
        long s0 = Math.max(0, Math.min(len, start < 0 ? start + len : start));
        long e0 = Math.max(s0, Math.min(len, end < 0 ? end + len : end));
        long[] s = x.shape.clone();
        s[ax] = e0 - s0;
        boolean leading = true;
        for (int i = 0; i < ax; i++) leading &= x.shape[i] == 1;
        return view(x, s, x.contiguous && (leading || s[ax] == len));
    }

    @Override
    public Tensor indexSelect(Tensor a, int axis, Tensor indices) {
        Meta x = m(a);
        int ax = axis(axis, x.shape.length);
        long[] s = x.shape.clone();
        s[ax] = m(indices).shape[0];
        return alloc(s, x.dtype);
    }

    @Override
    public Tensor broadcastTo(Tensor a, long... shape) {
        Meta x = m(a);
        long[] s = TensorBackend.broadcastShapes(x.shape, shape);
        return view(x, s, Arrays.equals(s, x.shape) && x.contiguous);
    }
}
