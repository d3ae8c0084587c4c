package dev.sprint.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.Half;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.UnaryOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The conformance suite every {@link TensorBackend} must pass: each primitive and each default or
 * overridden composite, on fresh seeded random inputs, against the float64 {@link ReferenceBackend}.
 *
 * <p>Usage, in the backend's module test sources:
 *
 * <pre>{@code
 * class DjlConformanceTest extends BackendConformanceTest {
 *     private static final TensorBackend BACKEND = ...; // open once
 *     @Override protected TensorBackend backend() { return BACKEND; }
 * }
 * }</pre>
 *
 * <p>Tolerances: {@link #tolerance()} is the relative error allowed for one elementwise operation in
 * the backend's float type (1e-5 for F32; looser defaults for F16/BF16; overridable), multiplied by √n
 * for outputs that reduce n products (sum/mean over n, matmul with inner size n, conv2d with
 * Cin/groups·kh·kw taps). Data-movement operations (reshape, permute, concat, slice, indexSelect,
 * broadcastTo, pad, pixel shuffles, nearest resizing, max, upload/download) must be exact. Expected
 * values are computed from the values the backend actually stored for the inputs, so a backend that
 * rounds inputs to F16 is only charged for its arithmetic.
 *
 * <p>Inputs cover broadcasting, negative axes, size-1 dimensions, odd and non-square sizes, ranks 1
 * to 5, masks with −∞, very large softmax inputs, F16/BF16/F64/U8/I64 uploads, and scopes (tensors
 * kept out of a closed scope stay readable). The composite checks live in the superclass
 * {@link CompositeConformanceTest}.
 */
public abstract class BackendConformanceTest extends CompositeConformanceTest {

    // ---- data movement ----------------------------------------------------------------------------

    @Test
    public void uploadDownloadFloat32IsExact() {
        for (long[] shape : new long[][] {{7}, {2, 3}, {1, 2, 1, 3}, {2, 1, 3, 1, 2}, {}}) {
            float[] v = uniform((int) HostTensor.numel(shape), -100, 100);
            Tensor t = be.upload(HostTensor.ofFloats(v, shape), be.floatType());
            assertArrayEquals(shape, t.shape(), "shape");
            assertEquals(be.floatType(), t.dtype());
            float[] back = be.toFloats(t);
            float[] want = v.clone();
            if (be.floatType() == DType.F16) for (int i = 0; i < want.length; i++) want[i] = Half.toFloat(Half.fromFloat(want[i]));
            if (be.floatType() == DType.BF16) for (int i = 0; i < want.length; i++) want[i] = Half.bf16ToFloat(Half.floatToBf16(want[i]));
            assertArrayEquals(want, back, "round trip of " + Arrays.toString(shape));
        }
    }

    /** Converting a checkpoint dtype to the compute type must round exactly like PyTorch's .to(). */
    @Test
    public void uploadConvertsHalfBfloatDoubleAndBytes() {
        int n = 40;
        float[] v = uniform(n, -70000, 70000);
        v[0] = 0;
        v[1] = -0f;
        v[2] = 1e-6f; // an F16 subnormal
        v[3] = 65504; // F16 max
        ByteBuffer f16 = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer bf16 = ByteBuffer.allocate(2 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            f16.putShort(Half.fromFloat(Math.max(-65504, Math.min(65504, x))));
            bf16.putShort(Half.floatToBf16(x));
        }
        f16.flip();
        bf16.flip();
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = v[i] * 1.0000001; // not exactly float32
        ByteBuffer u8 = ByteBuffer.allocate(n);
        for (int i = 0; i < n; i++) u8.put((byte) rnd.nextInt(256));
        u8.flip();
        List<HostTensor> sources = List.of(new HostTensor(DType.F16, new long[] {4, 10}, f16),
                new HostTensor(DType.BF16, new long[] {4, 10}, bf16), HostTensor.ofDoubles(d, 4, 10),
                new HostTensor(DType.U8, new long[] {4, 10}, u8));
        for (HostTensor h : sources) {
            Tensor t = be.upload(h, be.floatType());
            Tensor r = ref.upload(h, be.floatType());
            assertEquals(be.floatType(), t.dtype(), h.dtype() + " upload dtype");
            assertClose("upload " + h.dtype() + " as " + be.floatType(), t, r, 0);
            Tensor w = be.weight(h);
            assertEquals(h.dtype().isFloating() ? be.floatType() : h.dtype(), w.dtype(), h.dtype() + " weight() dtype");
        }
    }

    @Test
    public void int64UploadAndFull() {
        long[] idx = {3, 0, 0, -0, 2, 1 << 20};
        Tensor t = be.fromLongs(idx, 2, 3);
        assertEquals(DType.I64, t.dtype());
        assertArrayEquals(new long[] {2, 3}, t.shape());
        assertArrayEquals(idx, be.toLongs(t));
        Tensor f = be.full(7, DType.I64, 3);
        assertEquals(DType.I64, f.dtype());
        assertArrayEquals(new long[] {7, 7, 7}, be.toLongs(f));
    }

    @Test
    public void fullScalarZerosOnes() {
        Tensor s = be.scalar(2.5);
        assertArrayEquals(new long[0], s.shape(), "scalar is rank 0");
        assertArrayEquals(new float[] {2.5f}, be.toFloats(s));
        Tensor z = be.zeros(2, 1, 3);
        assertArrayEquals(new float[6], be.toFloats(z));
        Tensor o = be.ones(4);
        assertArrayEquals(new float[] {1, 1, 1, 1}, be.toFloats(o));
        Tensor f = be.full(-3.25, be.floatType(), 1, 2);
        assertEquals(be.floatType(), f.dtype());
        assertArrayEquals(new float[] {-3.25f, -3.25f}, be.toFloats(f));
    }

    // ---- elementwise ------------------------------------------------------------------------------

    private static final long[][][] BROADCASTS = {
        {{2, 3, 4}, {2, 3, 4}},
        {{1, 3}, {2, 1}},
        {{4}, {2, 3, 4}},
        {{2, 1, 4}, {3, 1}},
        {{}, {2, 3}},
        {{2, 3}, {}},
        {{1, 2, 1, 3, 1}, {2, 1, 4, 1, 5}},
        {{5, 1, 1}, {1}},
    };

    @Test
    public void binaryOpsBroadcast() {
        for (long[][] c : BROADCASTS) {
            Pair a = randIn(-3, 3, c[0]);
            Pair b = randIn(-3, 3, c[1]);
            String s = Arrays.toString(c[0]) + " op " + Arrays.toString(c[1]);
            assertClose("add " + s, be.add(a.t(), b.t()), ref.add(a.r(), b.r()), tolerance());
            assertClose("sub " + s, be.sub(a.t(), b.t()), ref.sub(a.r(), b.r()), tolerance());
            assertClose("mul " + s, be.mul(a.t(), b.t()), ref.mul(a.r(), b.r()), tolerance());
            // divisors bounded away from zero: |b| in [0.5, 3]
            Pair d = pair(awayFromZero(b.nd().v().length), c[1]);
            assertClose("div " + s, be.div(a.t(), d.t()), ref.div(a.r(), d.r()), tolerance());
        }
    }

    @Test
    public void inPlaceOpsOnDeadActivationsGiveTheSameValues() {
        // b broadcasts into a's shape (the in-place contract), including a scalar and a per-channel vector
        long[][][] cases = {{{2, 3, 4}, {2, 3, 4}}, {{2, 3, 4}, {4}}, {{2, 3, 4}, {3, 1}}, {{2, 3}, {}}};
        for (long[][] c : cases) {
            Pair a = randIn(-3, 3, c[0]);
            Pair b = randIn(-3, 3, c[1]);
            String s = Arrays.toString(c[0]) + " op " + Arrays.toString(c[1]);
            try (Scope sc = be.newScope()) {
                Tensor fresh = be.mulScalar(a.t(), 1.0); // a dead activation of the backend's own
                assertClose("addInPlace " + s, be.addInPlace(fresh, b.t()), ref.add(a.r(), b.r()), tolerance());
                fresh = be.mulScalar(a.t(), 1.0);
                assertClose("mulInPlace " + s, be.mulInPlace(fresh, b.t()), ref.mul(a.r(), b.r()), tolerance());
                for (UnaryOp op : new UnaryOp[] {UnaryOp.SILU, UnaryOp.RELU, UnaryOp.TANH}) {
                    fresh = be.mulScalar(a.t(), 1.0);
                    assertClose("unaryInPlace " + op + " " + s, be.unaryInPlace(fresh, op), ref.unary(a.r(), op), tolerance());
                }
                // the inputs the caller still holds are untouched
                assertClose("input kept", a.t(), a.r(), 0);
                assertClose("operand kept", b.t(), b.r(), 0);
            }
        }
    }

    private float[] awayFromZero(int n) {
        float[] v = uniform(n, 0.5, 3);
        for (int i = 0; i < n; i++) if (rnd.nextBoolean()) v[i] = -v[i];
        return v;
    }

    @Test
    public void scalarOps() {
        Pair a = randIn(-4, 4, 3, 5);
        for (double s : new double[] {0, 1.5, -2.25, 1e-3}) {
            assertClose("addScalar " + s, be.addScalar(a.t(), s), ref.addScalar(a.r(), s), tolerance());
            assertClose("mulScalar " + s, be.mulScalar(a.t(), s), ref.mulScalar(a.r(), s), tolerance());
        }
        Pair pos = randIn(0.1, 4, 2, 7);
        for (double p : new double[] {2, 0.5, -1, -0.5, 3, 1.7}) {
            assertClose("powScalar " + p, be.powScalar(pos.t(), p), ref.powScalar(pos.r(), p), tolerance());
        }
        for (double p : new double[] {2, 3, 0, 1}) {
            assertClose("powScalar of negatives " + p, be.powScalar(a.t(), p), ref.powScalar(a.r(), p), tolerance());
        }
    }

    @Test
    public void unaryOps() {
        Pair any = randIn(-4, 4, 3, 4, 5);
        Pair wide = randIn(-30, 30, 64);
        Pair pos = randIn(0.05, 20, 3, 4, 5);
        for (UnaryOp op : UnaryOp.values()) {
            boolean positiveOnly = op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RSQRT;
            Pair x = positiveOnly ? pos : any;
            assertClose("unary " + op, be.unary(x.t(), op), ref.unary(x.r(), op), tolerance());
            if (!positiveOnly && op != UnaryOp.EXP && op != UnaryOp.SQUARE && op != UnaryOp.SIN && op != UnaryOp.COS) {
                // saturating functions far into their tails (no overflow to NaN)
                assertClose("unary " + op + " on [-30, 30]", be.unary(wide.t(), op), ref.unary(wide.r(), op), tolerance());
            }
        }
        // the named conveniences map to the right ops
        assertClose("gelu()", be.gelu(any.t()), ref.unary(any.r(), UnaryOp.GELU), tolerance());
        assertClose("geluTanh()", be.geluTanh(any.t()), ref.unary(any.r(), UnaryOp.GELU_TANH), tolerance());
        assertClose("silu()", be.silu(any.t()), ref.unary(any.r(), UnaryOp.SILU), tolerance());
        assertClose("rsqrt()", be.rsqrt(pos.t()), ref.unary(pos.r(), UnaryOp.RSQRT), tolerance());
    }

    @Test
    public void clamp() {
        Pair a = randIn(-5, 5, 4, 6);
        assertClose("clamp [-1, 2]", be.clamp(a.t(), -1, 2), ref.clamp(a.r(), -1, 2), 0);
        assertClose("clamp [0, inf]", be.clamp(a.t(), 0, Double.POSITIVE_INFINITY), ref.clamp(a.r(), 0, Double.POSITIVE_INFINITY), 0);
        assertClose("clamp [-inf, 0.5]", be.clamp(a.t(), Double.NEGATIVE_INFINITY, 0.5),
                ref.clamp(a.r(), Double.NEGATIVE_INFINITY, 0.5), 0);
    }

    // ---- reductions -------------------------------------------------------------------------------

    @Test
    public void sumMeanMax() {
        long[][] shapes = {{9}, {3, 5}, {2, 3, 4, 5}, {2, 1, 3}, {1, 2, 3, 1, 4}};
        for (long[] s : shapes) {
            Pair a = randIn(-2, 2, s);
            for (int axis = -s.length; axis < s.length; axis++) {
                for (boolean keep : new boolean[] {false, true}) {
                    String w = Arrays.toString(s) + " axis " + axis + " keepDim " + keep;
                    long n = s[axis < 0 ? axis + s.length : axis];
                    assertClose("sum " + w, be.sum(a.t(), axis, keep), ref.sum(a.r(), axis, keep), tolerance(n));
                    assertClose("mean " + w, be.mean(a.t(), axis, keep), ref.mean(a.r(), axis, keep), tolerance(n));
                    assertClose("max " + w, be.max(a.t(), axis, keep), ref.max(a.r(), axis, keep), 0);
                }
            }
        }
        Pair big = randIn(-1, 1, 3, 1000);
        assertClose("sum over 1000", be.sum(big.t(), -1, false), ref.sum(big.r(), -1, false), tolerance(1000));
        assertClose("mean over 1000", be.mean(big.t(), 1, true), ref.mean(big.r(), 1, true), tolerance(1000));
    }

    @Test
    public void softmax() {
        long[][] shapes = {{7}, {3, 5}, {2, 3, 4, 6}, {4, 1}};
        for (long[] s : shapes) {
            Pair a = randIn(-5, 5, s);
            for (int axis : new int[] {-1, 0, s.length - 1}) {
                long n = s[axis < 0 ? axis + s.length : axis];
                assertClose("softmax " + Arrays.toString(s) + " axis " + axis, be.softmax(a.t(), axis), ref.softmax(a.r(), axis),
                        tolerance(n));
            }
        }
        // large inputs: a naive exp overflows; the stable form subtracts the max
        Pair big = randIn(900, 1000, 3, 8);
        assertClose("softmax of values near 1000", be.softmax(big.t(), -1), ref.softmax(big.r(), -1), tolerance(8));
        Pair neg = randIn(-1e4, -9e3, 2, 8);
        assertClose("softmax of values near -1e4", be.softmax(neg.t(), -1), ref.softmax(neg.r(), -1), tolerance(8));
        // -inf entries get probability 0 (rows keep at least one finite entry)
        float[] v = uniform(12, -3, 3);
        v[1] = v[5] = v[6] = v[11] = Float.NEGATIVE_INFINITY;
        Pair inf = pair(v, 3, 4);
        assertClose("softmax with -inf", be.softmax(inf.t(), -1), ref.softmax(inf.r(), -1), tolerance(4));
    }

    // ---- linear algebra ---------------------------------------------------------------------------

    @Test
    public void matmul() {
        long[][][] cases = {
            {{3, 4}, {4, 5}},
            {{2, 3, 4}, {4, 5}}, // a 2-D right operand broadcast over the batch
            {{4, 5}, {2, 5, 3}}, // a 2-D left operand
            {{2, 1, 3, 4}, {5, 4, 6}}, // batch dims broadcast (2,1) with (5,)
            {{1, 2, 1, 3, 4}, {2, 2, 1, 4, 2}}, // rank 5
            {{3, 1}, {1, 4}}, // K = 1: an outer product
            {{1, 1}, {1, 1}},
            {{2, 300}, {300, 3}}, // a long reduction
        };
        for (long[][] c : cases) {
            Pair a = rand(c[0]);
            Pair b = rand(c[1]);
            long k = c[0][c[0].length - 1];
            assertClose("matmul " + Arrays.toString(c[0]) + " x " + Arrays.toString(c[1]), be.matmul(a.t(), b.t()),
                    ref.matmul(a.r(), b.r()), tolerance(k));
        }
    }

    @Test
    public void conv2d() {
        // {N, Cin, H, W, Cout, kh, kw, strideH, strideW, padH, padW, dilH, dilW, groups, bias}
        int[][] cases = {
            {1, 3, 8, 10, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1}, // 3x3 same padding, non-square image
            {2, 4, 9, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1}, // stride 2 on odd sizes
            {1, 2, 11, 9, 3, 3, 3, 1, 1, 2, 2, 2, 2, 1, 0}, // dilation 2, no bias
            {1, 6, 6, 5, 4, 3, 3, 1, 1, 1, 1, 1, 1, 2, 1}, // groups 2
            {1, 4, 7, 7, 4, 3, 3, 1, 1, 1, 1, 1, 1, 4, 1}, // depthwise
            {2, 5, 4, 6, 7, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1}, // 1x1
            {1, 3, 5, 8, 2, 1, 3, 1, 2, 0, 1, 1, 1, 1, 1}, // non-square kernel, asymmetric stride and padding
            {1, 2, 8, 8, 8, 2, 2, 2, 2, 0, 0, 1, 1, 1, 1}, // patchify (kernel = stride)
            {1, 1, 3, 3, 1, 3, 3, 1, 1, 0, 0, 1, 1, 1, 1}, // a single output pixel
        };
        for (int[] c : cases) {
            Pair x = rand(c[0], c[1], c[2], c[3]);
            Pair w = rand(c[4], c[1] / c[13], c[5], c[6]);
            Pair b = c[14] == 1 ? rand(c[4]) : null;
            int[] stride = {c[7], c[8]};
            int[] padding = {c[9], c[10]};
            int[] dilation = {c[11], c[12]};
            Tensor y = be.conv2d(x.t(), w.t(), b == null ? null : b.t(), stride, padding, dilation, c[13]);
            Tensor e = ref.conv2d(x.r(), w.r(), b == null ? null : b.r(), stride, padding, dilation, c[13]);
            long taps = (long) (c[1] / c[13]) * c[5] * c[6];
            assertClose("conv2d " + Arrays.toString(c), y, e, tolerance(taps));
        }
    }

    // ---- shape ------------------------------------------------------------------------------------

    @Test
    public void reshape() {
        Pair a = rand(2, 3, 4);
        long[][] targets = {{24}, {4, -1}, {-1, 2, 3}, {2, 3, 4, 1}, {1, 24}, {2, 1, 3, 1, 4}};
        for (long[] s : targets) {
            Tensor y = be.reshape(a.t(), s);
            Tensor e = ref.reshape(a.r(), s);
            assertClose("reshape to " + Arrays.toString(s), y, e, 0);
        }
        Tensor scalar = be.reshape(be.fromFloats(new float[] {4}, 1), new long[0]);
        assertArrayEquals(new long[0], scalar.shape(), "reshape to rank 0");
    }

    @Test
    public void permute() {
        Pair a = rand(2, 3, 4);
        for (int[] p : new int[][] {{0, 1, 2}, {2, 0, 1}, {1, 2, 0}, {-1, 0, -2}}) {
            assertClose("permute " + Arrays.toString(p), be.permute(a.t(), p), ref.permute(a.r(), p), 0);
        }
        Pair b = rand(2, 1, 3, 2, 4);
        int[] p5 = {4, 2, 0, 3, 1};
        assertClose("permute rank 5", be.permute(b.t(), p5), ref.permute(b.r(), p5), 0);
        Pair c = rand(5);
        assertClose("permute rank 1", be.permute(c.t(), 0), ref.permute(c.r(), 0), 0);
    }

    @Test
    public void concat() {
        Pair a = rand(2, 3, 4);
        Pair b = rand(2, 1, 4);
        Pair c = rand(2, 5, 4);
        assertClose("concat axis 1", be.concat(List.of(a.t(), b.t(), c.t()), 1), ref.concat(List.of(a.r(), b.r(), c.r()), 1), 0);
        Pair d = rand(1, 3, 4);
        assertClose("concat axis 0", be.concat(List.of(a.t(), d.t()), 0), ref.concat(List.of(a.r(), d.r()), 0), 0);
        Pair e = rand(2, 3, 2);
        assertClose("concat axis -1", be.concat(List.of(e.t(), a.t(), e.t()), -1), ref.concat(List.of(e.r(), a.r(), e.r()), -1), 0);
        assertClose("concat of one", be.concat(List.of(a.t()), 2), a.nd(), 0);
        Pair f = rand(3);
        Pair g = rand(2);
        assertClose("concat rank 1", be.concat(List.of(f.t(), g.t()), 0), ref.concat(List.of(f.r(), g.r()), 0), 0);
    }

    @Test
    public void slice() {
        Pair a = rand(4, 6, 5);
        long[][] cases = {{0, 0, 2}, {1, 2, 6}, {2, -3, 5}, {-1, 1, -1}, {1, -4, -2}, {0, 3, 4}, {-2, 0, 6}};
        for (long[] c : cases) {
            int axis = (int) c[0];
            assertClose("slice " + Arrays.toString(c), be.slice(a.t(), axis, c[1], c[2]), ref.slice(a.r(), axis, c[1], c[2]), 0);
        }
    }

    @Test
    public void indexSelect() {
        Pair a = rand(4, 5, 3);
        long[] idx = {3, 0, 0, 2, 4, 1};
        for (int axis : new int[] {0, 1, -1}) {
            long len = a.nd().size(axis);
            long[] valid = Arrays.stream(idx).filter(i -> i < len).toArray();
            Tensor i1 = be.fromLongs(valid, valid.length);
            Tensor i2 = ref.fromLongs(valid, valid.length);
            assertClose("indexSelect axis " + axis, be.indexSelect(a.t(), axis, i1), ref.indexSelect(a.r(), axis, i2), 0);
        }
    }

    @Test
    public void broadcastTo() {
        long[][][] cases = {{{3}, {2, 3}}, {{2, 1}, {2, 4}}, {{1, 1, 3}, {2, 5, 3}}, {{}, {2, 2}}, {{4, 1}, {3, 4, 2}}, {{2, 3}, {2, 3}}};
        for (long[][] c : cases) {
            Pair a = rand(c[0]);
            assertClose("broadcastTo " + Arrays.toString(c[0]) + " -> " + Arrays.toString(c[1]), be.broadcastTo(a.t(), c[1]),
                    ref.broadcastTo(a.r(), c[1]), 0);
        }
    }

    @Test
    public void cast() {
        float[] v = uniform(30, -300, 300);
        v[0] = -2.7f;
        v[1] = 2.7f;
        v[2] = -0.5f;
        Pair a = pair(v, 5, 6);
        for (DType d : new DType[] {DType.F16, DType.BF16}) {
            Tensor y = be.cast(a.t(), d);
            assertEquals(d, y.dtype(), "cast dtype");
            assertClose("cast to " + d, y, ref.cast(a.r(), d), 0);
            Tensor back = be.cast(y, be.floatType());
            assertEquals(be.floatType(), back.dtype());
            assertClose("cast to " + d + " and back", back, ref.cast(ref.cast(a.r(), d), DType.F32), 0);
        }
        Tensor i = be.cast(a.t(), DType.I64);
        assertEquals(DType.I64, i.dtype());
        long[] want = new long[v.length];
        double[] stored = a.nd().v();
        for (int k = 0; k < want.length; k++) want[k] = (long) stored[k]; // truncation toward zero
        assertArrayEquals(want, be.toLongs(i), "cast to I64 truncates");
        Tensor f = be.cast(be.fromLongs(new long[] {-3, 0, 5, 2048}, 4), be.floatType());
        assertEquals(be.floatType(), f.dtype());
        assertArrayEquals(new float[] {-3, 0, 5, 2048}, be.toFloats(f), "cast I64 to float");
    }

    // ---- lifetime ---------------------------------------------------------------------------------

    @Test
    public void tensorsKeptOutOfAClosedScopeStayReadable() {
        Pair a = rand(3, 4);
        Tensor kept;
        Tensor keptTwice;
        try (Scope outer = be.newScope()) {
            try (Scope inner = be.newScope()) {
                Tensor tmp = be.mulScalar(a.t(), 2);
                kept = inner.keep(be.addScalar(tmp, 1));
                keptTwice = inner.keep(be.exp(tmp));
            }
            assertClose("kept into the outer scope", kept, ref.addScalar(ref.mulScalar(a.r(), 2), 1), tolerance());
            outer.keep(keptTwice);
        }
        assertClose("kept through two scopes", keptTwice, ref.exp(ref.mulScalar(a.r(), 2)), tolerance());
        // the input created outside the scopes is untouched
        assertClose("outer tensor after inner scopes closed", a.t(), a.nd(), 0);
    }

    @Test
    public void callRunsTheFunctionForEveryInput() {
        // a tracing backend compiles once per shape signature and must replay with the new values
        for (int round = 0; round < 3; round++) {
            Pair x = rand(2, 5);
            Pair w = rand(3, 5);
            List<Tensor> out = be.call("conformance.linear_gelu", List.of(x.t(), w.t()),
                    in -> List.of(be.gelu(be.linear(in.get(0), in.get(1), null)), be.sum(in.get(0), -1, false)));
            assertEquals(2, out.size());
            assertClose("call output 0 round " + round, out.get(0), ref.gelu(ref.linear(x.r(), w.r(), null)), tolerance(5));
            assertClose("call output 1 round " + round, out.get(1), ref.sum(x.r(), -1, false), tolerance(5));
        }
        Pair x = rand(4, 5);
        Pair w = rand(3, 5);
        List<Tensor> out = be.call("conformance.linear_gelu", List.of(x.t(), w.t()),
                in -> List.of(be.gelu(be.linear(in.get(0), in.get(1), null)), be.sum(in.get(0), -1, false)));
        assertClose("call with a new shape", out.get(0), ref.gelu(ref.linear(x.r(), w.r(), null)), tolerance(5));
    }

    @Test
    public void shapeErrorsAreReported() {
        Tensor a = be.zeros(2, 3);
        Tensor b = be.zeros(4, 3);
        assertThrows(RuntimeException.class, () -> be.toFloats(be.add(a, b)), "(2,3)+(4,3) must not broadcast");
        assertThrows(RuntimeException.class, () -> be.toFloats(be.matmul(a, b)), "(2,3)x(4,3) must not multiply");
        assertThrows(RuntimeException.class, () -> be.toFloats(be.reshape(a, 4, 2)), "6 elements cannot be 4x2");
    }
}
