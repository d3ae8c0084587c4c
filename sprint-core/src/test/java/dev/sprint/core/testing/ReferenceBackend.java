package dev.sprint.core.testing;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.Half;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.UnaryOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A plain-Java {@link TensorBackend} for tests: every tensor is a dense row-major {@code double[]}
 * with a shape and a {@link DType}, and all arithmetic is float64. It is the numerical reference that
 * other backends are checked against ({@link BackendConformanceTest}) and the backend that model
 * parity tests run on in sprint-core.
 *
 * <p>Value semantics per dtype: F64 and F32 tensors hold exact float64 results (F32 is the "ideal"
 * float32 computation — no intermediate rounding); F16 and BF16 tensors are rounded to their precision
 * after every operation (as their storage would); integer tensors hold integral values (truncated
 * toward zero on conversion; I64 values must be exactly representable as doubles, |v| ≤ 2^53).
 * Results of binary operations take the promoted dtype (float over integer, the wider float; F16 with
 * BF16 gives F32), like PyTorch.
 *
 * <p>Only the abstract primitives are implemented here: the composites (linear, norms, attention,
 * interpolate, ...) are inherited from {@link TensorBackend}'s defaults on purpose, so that tests on
 * this backend exercise them.
 *
 * <p>Scopes are real: tensors created while a scope is the innermost open one on the thread are
 * released when it closes (using them afterwards throws), {@link Scope#keep} moves a tensor to the
 * enclosing scope, and closing scopes out of order throws. This catches the lifetime bugs that would
 * leak or crash on a native backend.
 */
public class ReferenceBackend implements TensorBackend {

    private final ThreadLocal<ArrayDeque<RefScope>> scopes = ThreadLocal.withInitial(ArrayDeque::new);

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String device() {
        return "cpu";
    }

    @Override
    public void close() {}

    @Override
    public DType floatType() {
        return DType.F32;
    }

    // ---- tensors and scopes ---------------------------------------------------------------------

    /** The reference tensor: shape, dtype and float64 values (shared, never mutated). */
    public static final class RefTensor implements Tensor {
        private final ReferenceBackend backend;
        private final long[] shape;
        private final DType dtype;
        private double[] data;
        private RefScope scope;

        RefTensor(ReferenceBackend backend, long[] shape, DType dtype, double[] data) {
            this.backend = backend;
            this.shape = shape;
            this.dtype = dtype;
            this.data = data;
            if (HostTensor.numel(shape) != data.length) {
                throw new IllegalStateException("shape " + Arrays.toString(shape) + " vs " + data.length + " values");
            }
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
            data = null;
        }

        /** Whether this tensor was freed (closed, or its scope closed). */
        public boolean isReleased() {
            return data == null;
        }

        double[] values() {
            if (data == null) {
                throw new IllegalStateException("tensor " + describe() + " used after it was closed or its scope closed");
            }
            return data;
        }

        @Override
        public String toString() {
            return "RefTensor" + describe() + (data == null ? " (released)" : "");
        }
    }

    private final class RefScope implements Scope {
        private final RefScope parent;
        private final Thread thread = Thread.currentThread();
        private final List<RefTensor> owned = new ArrayList<>();
        private boolean closed;

        RefScope(RefScope parent) {
            this.parent = parent;
        }

        @Override
        public Tensor keep(Tensor t) {
            if (closed) throw new IllegalStateException("keep() on a closed scope");
            RefTensor r = ref(t);
            r.values(); // must still be alive
            if (r.scope == this) {
                r.scope = parent;
                if (parent != null) parent.owned.add(r);
            }
            return t;
        }

        @Override
        public void close() {
            if (closed) return;
            if (Thread.currentThread() != thread) {
                throw new IllegalStateException("scope closed on another thread than it was opened on");
            }
            ArrayDeque<RefScope> stack = scopes.get();
            if (stack.peek() != this) {
                throw new IllegalStateException("scopes closed out of order: an inner scope is still open");
            }
            stack.pop();
            closed = true;
            for (RefTensor r : owned) {
                if (r.scope == this) {
                    r.scope = null;
                    r.close();
                }
            }
            owned.clear();
        }
    }

    @Override
    public Scope newScope() {
        ArrayDeque<RefScope> stack = scopes.get();
        RefScope s = new RefScope(stack.peek());
        stack.push(s);
        return s;
    }

    /**
     * An arena is a scope of no parent that is the innermost one only while it builds: what it creates outlives
     * every request scope and is released (use-after-free detected) when the arena closes.
     */
    @Override
    public dev.sprint.core.tensor.Arena newArena() {
        RefScope arena = new RefScope(null);
        return new dev.sprint.core.tensor.Arena() {
            @Override
            public <T> T build(java.util.function.Supplier<T> f) {
                ArrayDeque<RefScope> stack = scopes.get();
                stack.push(arena);
                try {
                    return f.get();
                } finally {
                    stack.remove(arena);
                }
            }

            @Override
            public void close() {
                for (RefTensor r : arena.owned) {
                    if (r.scope == arena) {
                        r.scope = null;
                        r.close();
                    }
                }
                arena.owned.clear();
                arena.closed = true;
            }
        };
    }

    /** Number of scopes open on the calling thread (for tests of scope discipline). */
    public int openScopes() {
        return scopes.get().size();
    }

    /** Creates a tensor owned by the calling thread's innermost scope; values are rounded to the dtype. */
    protected RefTensor make(long[] shape, DType dtype, double[] values) {
        for (int i = 0; i < values.length; i++) values[i] = round(dtype, values[i]);
        RefTensor t = new RefTensor(this, shape.clone(), dtype, values);
        RefScope s = scopes.get().peek();
        if (s != null) {
            t.scope = s;
            s.owned.add(t);
        }
        return t;
    }

    private static RefTensor ref(Tensor t) {
        if (t instanceof RefTensor r) return r;
        throw new IllegalArgumentException("not a reference tensor: " + (t == null ? "null" : t.getClass().getName()));
    }

    /** The tensor's values as float64 (a copy), exact for the reference. */
    public double[] doubles(Tensor t) {
        return ref(t).values().clone();
    }

    /** Creates a tensor from float64 values without going through a float32 HostTensor. */
    public Tensor fromDoubles(double[] values, DType dtype, long... shape) {
        return make(shape, dtype, values.clone());
    }

    // ---- dtype rules ----------------------------------------------------------------------------

    /** The value as stored by {@code dtype}. */
    static double round(DType dtype, double v) {
        return switch (dtype) {
            case F64, F32 -> v;
            case F16 -> Half.toFloat(Half.fromFloat((float) v));
            case BF16 -> Half.bf16ToFloat(Half.floatToBf16((float) v));
            case I64 -> {
                if (Double.isNaN(v) || Double.isInfinite(v)) throw new ArithmeticException("non-finite value " + v + " for I64");
                yield (double) (long) v;
            }
            case I32 -> (double) (int) (long) v;
            case I16 -> (double) (short) (long) v;
            case I8 -> (double) (byte) (long) v;
            case U8 -> (double) (((long) v) & 0xFF);
            case BOOL -> v != 0 ? 1.0 : 0.0;
        };
    }

    private static int floatRank(DType d) {
        return switch (d) {
            case F64 -> 4;
            case F32 -> 3;
            case F16, BF16 -> 2;
            default -> 0;
        };
    }

    private static DType promote(DType a, DType b) {
        if (a == b) return a;
        int ra = floatRank(a);
        int rb = floatRank(b);
        if (ra == 0 && rb == 0) return a.bytes() >= b.bytes() ? a : b; // integers: the wider one
        if (ra == 2 && rb == 2) return DType.F32; // F16 with BF16
        return ra >= rb ? a : b;
    }

    private DType floatResult(DType d) {
        return d.isFloating() ? d : floatType();
    }

    // ---- data movement --------------------------------------------------------------------------

    @Override
    public Tensor upload(HostTensor data, DType dtype) {
        int n = Math.toIntExact(data.numel());
        double[] v;
        if (data.dtype() == DType.I64) {
            long[] l = data.toLongs();
            v = new double[n];
            for (int i = 0; i < n; i++) {
                if ((long) (double) l[i] != l[i]) throw new IllegalArgumentException("I64 value " + l[i] + " not exact in float64");
                v[i] = l[i];
            }
        } else {
            v = data.toDoubles();
        }
        if (dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16) {
            for (int i = 0; i < n; i++) v[i] = (float) v[i]; // conversion to a float32-based type rounds
        }
        return make(data.shape(), dtype, v);
    }

    @Override
    public HostTensor download(Tensor t) {
        RefTensor r = ref(t);
        double[] v = r.values();
        int n = v.length;
        ByteBuffer b = ByteBuffer.allocate(n * r.dtype.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (double x : v) {
            switch (r.dtype) {
                case F64 -> b.putDouble(x);
                case F32 -> b.putFloat((float) x);
                case F16 -> b.putShort(Half.fromFloat((float) x));
                case BF16 -> b.putShort(Half.floatToBf16((float) x));
                case I64 -> b.putLong((long) x);
                case I32 -> b.putInt((int) x);
                case I16 -> b.putShort((short) x);
                case I8, U8, BOOL -> b.put((byte) (long) x);
            }
        }
        b.flip();
        return new HostTensor(r.dtype, r.shape, b);
    }

    @Override
    public Tensor full(double value, DType dtype, long... shape) {
        double[] v = new double[Math.toIntExact(HostTensor.numel(shape))];
        Arrays.fill(v, value);
        return make(shape, dtype, v);
    }

    // ---- elementwise ----------------------------------------------------------------------------

    private interface BinOp {
        double apply(double a, double b);
    }

    private Tensor binary(Tensor a, Tensor b, BinOp op, boolean trueDivision) {
        RefTensor x = ref(a);
        RefTensor y = ref(b);
        long[] out = TensorBackend.broadcastShapes(x.shape, y.shape);
        double[] xv = expand(x.values(), x.shape, out);
        double[] yv = expand(y.values(), y.shape, out);
        double[] r = new double[xv.length];
        for (int i = 0; i < r.length; i++) r[i] = op.apply(xv[i], yv[i]);
        DType dt = promote(x.dtype, y.dtype);
        if (trueDivision) dt = floatResult(dt);
        return make(out, dt, r);
    }

    @Override
    public Tensor add(Tensor a, Tensor b) {
        return binary(a, b, Double::sum, false);
    }

    @Override
    public Tensor sub(Tensor a, Tensor b) {
        return binary(a, b, (p, q) -> p - q, false);
    }

    @Override
    public Tensor mul(Tensor a, Tensor b) {
        return binary(a, b, (p, q) -> p * q, false);
    }

    @Override
    public Tensor div(Tensor a, Tensor b) {
        return binary(a, b, (p, q) -> p / q, true);
    }

    private Tensor map(Tensor a, java.util.function.DoubleUnaryOperator f, DType dtype) {
        RefTensor x = ref(a);
        double[] v = x.values();
        double[] r = new double[v.length];
        for (int i = 0; i < r.length; i++) r[i] = f.applyAsDouble(v[i]);
        return make(x.shape, dtype, r);
    }

    /** Scalar operands keep an integer tensor integral only when the scalar is integral (PyTorch). */
    private DType scalarResult(DType d, double v) {
        return d.isFloating() || v == Math.rint(v) ? d : floatType();
    }

    @Override
    public Tensor addScalar(Tensor a, double v) {
        return map(a, x -> x + v, scalarResult(a.dtype(), v));
    }

    @Override
    public Tensor mulScalar(Tensor a, double v) {
        return map(a, x -> x * v, scalarResult(a.dtype(), v));
    }

    @Override
    public Tensor powScalar(Tensor a, double p) {
        return map(a, x -> Math.pow(x, p), scalarResult(a.dtype(), p));
    }

    @Override
    public Tensor unary(Tensor a, UnaryOp op) {
        DType d = a.dtype();
        boolean keepsIntegers = op == UnaryOp.NEG || op == UnaryOp.ABS || op == UnaryOp.SQUARE || op == UnaryOp.RELU;
        return map(a, x -> apply(op, x), keepsIntegers ? d : floatResult(d));
    }

    /** The float64 value of {@code op} at {@code x}. */
    public static double apply(UnaryOp op, double x) {
        return switch (op) {
            case NEG -> -x;
            case ABS -> Math.abs(x);
            case EXP -> Math.exp(x);
            case LOG -> Math.log(x);
            case SQRT -> Math.sqrt(x);
            case RSQRT -> 1.0 / Math.sqrt(x);
            case SQUARE -> x * x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> sigmoid(x);
            case SIN -> Math.sin(x);
            case COS -> Math.cos(x);
            case ERF -> erf(x);
            case RELU -> Double.isNaN(x) ? x : Math.max(x, 0.0);
            case SILU -> x * sigmoid(x);
            // 0.5·x·(1+erf(x/√2)) = 0.5·x·erfc(−x/√2), which stays accurate for very negative x
            case GELU -> 0.5 * x * erfc(-x / Math.sqrt(2.0));
            case GELU_TANH -> 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
            case QUICK_GELU -> x * sigmoid(1.702 * x);
        };
    }

    /** Logistic function without overflow for large |x|. */
    public static double sigmoid(double x) {
        if (x >= 0) return 1.0 / (1.0 + Math.exp(-x));
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /**
     * The error function to ~1e-15 relative: for |x| &lt; 3 the all-positive series
     * erf(x) = 2/√π·e^(−x²)·Σ 2ⁿx^(2n+1)/(1·3···(2n+1)) (no cancellation), beyond it 1 − erfc.
     */
    public static double erf(double x) {
        if (Double.isNaN(x)) return x;
        double ax = Math.abs(x);
        if (ax >= 3.0) return Math.copySign(1.0 - erfcLarge(ax), x);
        double term = ax;
        double sum = ax;
        double x2 = ax * ax;
        for (int n = 1; n < 200; n++) {
            term *= 2.0 * x2 / (2 * n + 1);
            sum += term;
            if (term < 1e-17 * sum) break;
        }
        return Math.copySign(2.0 / Math.sqrt(Math.PI) * Math.exp(-x2) * sum, x);
    }

    /** The complementary error function 1 − erf(x), accurate in the tails. */
    public static double erfc(double x) {
        if (Double.isNaN(x)) return x;
        if (x >= 3.0) return erfcLarge(x);
        if (x <= -3.0) return 2.0 - erfcLarge(-x);
        return 1.0 - erf(x);
    }

    /** erfc(x) for x ≥ 3 by the continued fraction e^(−x²)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))). */
    private static double erfcLarge(double x) {
        if (x > 27) return 0.0;
        double f = x;
        for (int n = 80; n >= 1; n--) f = x + (n / 2.0) / f;
        return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
    }

    @Override
    public Tensor clamp(Tensor a, double min, double max) {
        return map(a, x -> Double.isNaN(x) ? x : Math.min(Math.max(x, min), max), a.dtype());
    }

    // ---- reductions -----------------------------------------------------------------------------

    private interface Reducer {
        /** Reduces {@code len} values at {@code v[off + k·stride]}. */
        double reduce(double[] v, int off, int len, int stride);
    }

    /** The 1-d lanes along one axis: {@code outer × inner} lanes of {@code len} values, {@code inner} apart. */
    private record Lanes(int outer, int len, int inner) {
        static Lanes along(long[] s, int ax) {
            return new Lanes((int) prod(s, 0, ax), (int) s[ax], (int) prod(s, ax + 1, s.length));
        }

        interface Lane {
            /** One lane: its index {@code o·inner + i} and the offset of its first value. */
            void at(int index, int offset);
        }

        void forEach(Lane lane) {
            for (int o = 0; o < outer; o++) {
                for (int i = 0; i < inner; i++) lane.at(o * inner + i, o * len * inner + i);
            }
        }
    }

    private Tensor reduce(Tensor a, int axis, boolean keepDim, Reducer f, DType dtype) {
        RefTensor x = ref(a);
        int ax = axis(axis, x.shape.length);
        long[] s = x.shape;
        Lanes lanes = Lanes.along(s, ax);
        double[] v = x.values();
        double[] r = new double[lanes.outer() * lanes.inner()];
        lanes.forEach((index, off) -> r[index] = f.reduce(v, off, lanes.len(), lanes.inner()));
        long[] out;
        if (keepDim) {
            out = s.clone();
            out[ax] = 1;
        } else {
            out = new long[s.length - 1];
            for (int d = 0, k = 0; d < s.length; d++) if (d != ax) out[k++] = s[d];
        }
        return make(out, dtype, r);
    }

    @Override
    public Tensor sum(Tensor a, int axis, boolean keepDim) {
        return reduce(a, axis, keepDim, (v, off, len, st) -> {
            double acc = 0;
            for (int k = 0; k < len; k++) acc += v[off + k * st];
            return acc;
        }, a.dtype());
    }

    @Override
    public Tensor mean(Tensor a, int axis, boolean keepDim) {
        return reduce(a, axis, keepDim, (v, off, len, st) -> {
            double acc = 0;
            for (int k = 0; k < len; k++) acc += v[off + k * st];
            return acc / len;
        }, floatResult(a.dtype()));
    }

    @Override
    public Tensor max(Tensor a, int axis, boolean keepDim) {
        if (a.size(axis) == 0) throw new IllegalArgumentException("max over an empty axis");
        return reduce(a, axis, keepDim, (v, off, len, st) -> {
            double m = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < len; k++) m = Math.max(m, v[off + k * st]); // Math.max propagates NaN like torch
            return m;
        }, a.dtype());
    }

    @Override
    public Tensor softmax(Tensor a, int axis) {
        RefTensor x = ref(a);
        long[] s = x.shape;
        Lanes lanes = Lanes.along(s, axis(axis, s.length));
        int len = lanes.len();
        int inner = lanes.inner();
        double[] v = x.values();
        double[] r = new double[v.length];
        lanes.forEach((index, off) -> {
            double m = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < len; k++) m = Math.max(m, v[off + k * inner]);
            double z = 0;
            for (int k = 0; k < len; k++) {
                double e = Math.exp(v[off + k * inner] - m); // all -inf → NaN, as torch
                r[off + k * inner] = e;
                z += e;
            }
            for (int k = 0; k < len; k++) r[off + k * inner] /= z;
        });
        return make(s, floatResult(x.dtype), r);
    }

    // ---- linear algebra -------------------------------------------------------------------------

    @Override
    public Tensor matmul(Tensor a, Tensor b) {
        RefTensor x = ref(a);
        RefTensor y = ref(b);
        long[] xs = x.shape;
        long[] ys = y.shape;
        if (xs.length == 0 || ys.length == 0) throw new IllegalArgumentException("matmul of a 0-d tensor");
        boolean vecA = xs.length == 1;
        boolean vecB = ys.length == 1;
        if (vecA) xs = new long[] {1, xs[0]};
        if (vecB) ys = new long[] {ys[0], 1};
        int m = (int) xs[xs.length - 2];
        int k = (int) xs[xs.length - 1];
        int k2 = (int) ys[ys.length - 2];
        int n = (int) ys[ys.length - 1];
        if (k != k2) {
            throw new IllegalArgumentException("matmul " + Arrays.toString(x.shape) + " x " + Arrays.toString(y.shape));
        }
        long[] xb = Arrays.copyOf(xs, xs.length - 2);
        long[] yb = Arrays.copyOf(ys, ys.length - 2);
        long[] batch = TensorBackend.broadcastShapes(xb, yb);
        int nb = (int) HostTensor.numel(batch);
        // which source matrix each output batch reads (broadcast of the batch index grids)
        double[] xi = expand(iota((int) HostTensor.numel(xb)), xb, batch);
        double[] yi = expand(iota((int) HostTensor.numel(yb)), yb, batch);
        double[] xv = x.values();
        double[] yv = y.values();
        double[] r = new double[nb * m * n];
        for (int bi = 0; bi < nb; bi++) {
            int xo = (int) xi[bi] * m * k;
            int yo = (int) yi[bi] * k * n;
            int ro = bi * m * n;
            for (int i = 0; i < m; i++) {
                for (int p = 0; p < k; p++) {
                    double av = xv[xo + i * k + p];
                    int yr = yo + p * n;
                    int rr = ro + i * n;
                    for (int j = 0; j < n; j++) r[rr + j] += av * yv[yr + j];
                }
            }
        }
        long[] out;
        if (vecA && vecB) out = Arrays.copyOf(batch, batch.length);
        else if (vecA) out = concat(batch, n);
        else if (vecB) out = concat(batch, m);
        else out = concat(batch, m, n);
        if (r.length != HostTensor.numel(out)) throw new IllegalStateException();
        return make(out, promote(x.dtype, y.dtype), r);
    }

    @Override
    public Tensor conv2d(Tensor xt, Tensor wt, Tensor bt, int[] stride, int[] padding, int[] dilation, int groups) {
        RefTensor x = ref(xt);
        RefTensor w = ref(wt);
        long[] xs = x.shape;
        long[] ws = w.shape;
        if (xs.length != 4 || ws.length != 4) throw new IllegalArgumentException("conv2d needs 4-d input and weight");
        int n = (int) xs[0], cin = (int) xs[1], h = (int) xs[2], wd = (int) xs[3];
        int cout = (int) ws[0], cpg = (int) ws[1], kh = (int) ws[2], kw = (int) ws[3];
        if (cin % groups != 0 || cout % groups != 0 || cin / groups != cpg) {
            throw new IllegalArgumentException("conv2d input " + Arrays.toString(xs) + " weight " + Arrays.toString(ws)
                    + " groups " + groups);
        }
        int sh = stride[0], sw = stride[1], ph = padding[0], pw = padding[1], dh = dilation[0], dw = dilation[1];
        int oh = (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1;
        int ow = (wd + 2 * pw - dw * (kw - 1) - 1) / sw + 1;
        if (oh <= 0 || ow <= 0) throw new IllegalArgumentException("conv2d output would be empty");
        int opg = cout / groups;
        double[] xv = x.values();
        double[] wv = w.values();
        double[] bv = bt == null ? null : ref(bt).values();
        double[] r = new double[n * cout * oh * ow];
        for (int b = 0; b < n; b++) {
            for (int oc = 0; oc < cout; oc++) {
                int g = oc / opg;
                int ro = ((b * cout) + oc) * oh * ow;
                if (bv != null) Arrays.fill(r, ro, ro + oh * ow, bv[oc]);
                for (int c = 0; c < cpg; c++) {
                    int ic = g * cpg + c;
                    int xo = ((b * cin) + ic) * h * wd;
                    for (int ky = 0; ky < kh; ky++) {
                        for (int kx = 0; kx < kw; kx++) {
                            double wk = wv[((oc * cpg + c) * kh + ky) * kw + kx];
                            for (int oy = 0; oy < oh; oy++) {
                                int iy = oy * sh - ph + ky * dh;
                                if (iy < 0 || iy >= h) continue;
                                int xr = xo + iy * wd;
                                int rr = ro + oy * ow;
                                for (int ox = 0; ox < ow; ox++) {
                                    int ix = ox * sw - pw + kx * dw;
                                    if (ix < 0 || ix >= wd) continue;
                                    r[rr + ox] += wk * xv[xr + ix];
                                }
                            }
                        }
                    }
                }
            }
        }
        DType dt = promote(x.dtype, w.dtype);
        return make(new long[] {n, cout, oh, ow}, dt, r);
    }

    // ---- shape ----------------------------------------------------------------------------------

    @Override
    public Tensor reshape(Tensor a, long... shape) {
        RefTensor x = ref(a);
        long n = HostTensor.numel(x.shape);
        long[] s = shape.clone();
        int infer = -1;
        long known = 1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1) {
                if (infer >= 0) throw new IllegalArgumentException("reshape with two -1 dims");
                infer = i;
            } else {
                if (s[i] < 0) throw new IllegalArgumentException("reshape to " + Arrays.toString(shape));
                known *= s[i];
            }
        }
        if (infer >= 0) {
            if (known == 0 || n % known != 0) {
                throw new IllegalArgumentException("cannot reshape " + Arrays.toString(x.shape) + " to " + Arrays.toString(shape));
            }
            s[infer] = n / known;
        }
        if (HostTensor.numel(s) != n) {
            throw new IllegalArgumentException("cannot reshape " + Arrays.toString(x.shape) + " to " + Arrays.toString(shape));
        }
        return make(s, x.dtype, x.values().clone());
    }

    @Override
    public Tensor permute(Tensor a, int... axes) {
        RefTensor x = ref(a);
        int r = x.shape.length;
        if (axes.length != r) throw new IllegalArgumentException("permute " + Arrays.toString(axes) + " of rank " + r);
        long[] st = strides(x.shape);
        long[] out = new long[r];
        long[] os = new long[r];
        boolean[] seen = new boolean[r];
        for (int i = 0; i < r; i++) {
            int ax = axis(axes[i], r);
            if (seen[ax]) throw new IllegalArgumentException("permute repeats axis " + ax);
            seen[ax] = true;
            out[i] = x.shape[ax];
            os[i] = st[ax];
        }
        return make(out, x.dtype, gather(x.values(), out, os, 0));
    }

    @Override
    public Tensor concat(List<Tensor> parts, int axis) {
        if (parts.isEmpty()) throw new IllegalArgumentException("concat of nothing");
        RefTensor first = ref(parts.get(0));
        int r = first.shape.length;
        int ax = axis(axis, r);
        long[] out = first.shape.clone();
        out[ax] = 0;
        DType dt = first.dtype;
        for (Tensor p : parts) {
            RefTensor t = ref(p);
            if (t.shape.length != r) throw new IllegalArgumentException("concat of different ranks");
            for (int d = 0; d < r; d++) {
                if (d != ax && t.shape[d] != first.shape[d]) {
                    throw new IllegalArgumentException("concat shapes " + Arrays.toString(first.shape) + " and "
                            + Arrays.toString(t.shape) + " along " + ax);
                }
            }
            out[ax] += t.shape[ax];
            dt = promote(dt, t.dtype);
        }
        int outer = (int) prod(out, 0, ax);
        int inner = (int) prod(out, ax + 1, r);
        double[] res = new double[(int) HostTensor.numel(out)];
        int pos = 0;
        for (int o = 0; o < outer; o++) {
            for (Tensor p : parts) {
                RefTensor t = ref(p);
                int block = (int) t.shape[ax] * inner;
                System.arraycopy(t.values(), o * block, res, pos, block);
                pos += block;
            }
        }
        return make(out, dt, res);
    }

    @Override
    public Tensor slice(Tensor a, int axis, long start, long end) {
        RefTensor x = ref(a);
        int ax = axis(axis, x.shape.length);
        long[] bounds = TensorBackend.sliceBounds(start, end, x.shape[ax]);
        long s = bounds[0];
        long e = bounds[1];
        long[] out = x.shape.clone();
        out[ax] = e - s;
        long[] st = strides(x.shape);
        return make(out, x.dtype, gather(x.values(), out, st, s * st[ax]));
    }

    @Override
    public Tensor indexSelect(Tensor a, int axis, Tensor indices) {
        RefTensor x = ref(a);
        RefTensor idx = ref(indices);
        if (idx.shape.length != 1 || idx.dtype.isFloating()) {
            throw new IllegalArgumentException("indexSelect needs 1-d integer indices, got " + idx.describe());
        }
        int ax = axis(axis, x.shape.length);
        long len = x.shape[ax];
        double[] iv = idx.values();
        long[] out = x.shape.clone();
        out[ax] = iv.length;
        int outer = (int) prod(x.shape, 0, ax);
        int inner = (int) prod(x.shape, ax + 1, x.shape.length);
        double[] v = x.values();
        double[] r = new double[(int) HostTensor.numel(out)];
        for (int o = 0; o < outer; o++) {
            for (int j = 0; j < iv.length; j++) {
                long src = (long) iv[j];
                if (src < 0 || src >= len) throw new IndexOutOfBoundsException("index " + src + " out of range for size " + len);
                System.arraycopy(v, (int) ((o * len + src) * inner), r, (o * iv.length + j) * inner, inner);
            }
        }
        return make(out, x.dtype, r);
    }

    @Override
    public Tensor broadcastTo(Tensor a, long... shape) {
        RefTensor x = ref(a);
        long[] target = shape.clone();
        int off = target.length - x.shape.length;
        if (off < 0) throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(x.shape) + " to " + Arrays.toString(shape));
        for (int i = 0; i < target.length; i++) {
            if (target[i] == -1) {
                if (i < off) throw new IllegalArgumentException("-1 in a new leading dimension");
                target[i] = x.shape[i - off];
            }
        }
        return make(target, x.dtype, expand(x.values(), x.shape, target));
    }

    @Override
    public Tensor cast(Tensor a, DType dtype) {
        RefTensor x = ref(a);
        double[] v = x.values().clone();
        boolean toFloat32Based = dtype == DType.F32 || dtype == DType.F16 || dtype == DType.BF16;
        if (toFloat32Based && x.dtype != dtype && x.dtype != DType.F32) {
            // F64 → F32 (or via F32) rounds to float32 first; F32 data stays float64-ideal
            for (int i = 0; i < v.length; i++) v[i] = (float) v[i];
        }
        if (!dtype.isFloating() && x.dtype.isFloating()) {
            for (int i = 0; i < v.length; i++) {
                if (dtype != DType.BOOL) v[i] = v[i] < 0 ? Math.ceil(v[i]) : Math.floor(v[i]); // truncate toward zero
            }
        }
        return make(x.shape, dtype, v);
    }

    // ---- index helpers --------------------------------------------------------------------------

    static int axis(int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) throw new IllegalArgumentException("axis " + axis + " out of range for rank " + rank);
        return a;
    }

    static long prod(long[] s, int from, int to) {
        long p = 1;
        for (int i = from; i < to; i++) p *= s[i];
        return p;
    }

    static long[] strides(long[] shape) {
        long[] st = new long[shape.length];
        long s = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            st[i] = s;
            s *= shape[i];
        }
        return st;
    }

    private static long[] concat(long[] a, long... b) {
        long[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    private static double[] iota(int n) {
        double[] r = new double[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }


    /** Materializes {@code v} of shape {@code from} broadcast to {@code to}. */
    static double[] expand(double[] v, long[] from, long[] to) {
        int off = to.length - from.length;
        if (off < 0) throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(from) + " to " + Arrays.toString(to));
        long[] st = strides(from);
        long[] os = new long[to.length];
        for (int i = 0; i < from.length; i++) {
            if (from[i] == to[i + off]) os[i + off] = st[i];
            else if (from[i] == 1) os[i + off] = 0;
            else throw new IllegalArgumentException("cannot broadcast " + Arrays.toString(from) + " to " + Arrays.toString(to));
        }
        if (Arrays.equals(from, to)) return v.clone();
        return gather(v, to, os, 0);
    }

    /** Reads {@code src} at {@code offset + Σ index[d]·strides[d]} for every index of {@code shape}, row-major. */
    static double[] gather(double[] src, long[] shape, long[] strides, long offset) {
        int n = (int) HostTensor.numel(shape);
        int r = shape.length;
        double[] out = new double[n];
        long[] idx = new long[r];
        long off = offset;
        for (int i = 0; i < n; i++) {
            out[i] = src[(int) off];
            for (int d = r - 1; d >= 0; d--) {
                idx[d]++;
                off += strides[d];
                if (idx[d] < shape[d]) break;
                off -= strides[d] * shape[d];
                idx[d] = 0;
            }
        }
        return out;
    }
}
