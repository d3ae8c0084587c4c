package dev.sprint.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.ResizeMode;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Conformance checks of the COMPOSITE operations of {@link TensorBackend} (linear, norms, attention,
 * interpolate, pixel (un)shuffle, pad, split/chunk, transpose) and the shared test machinery of
 * {@link BackendConformanceTest}, which adds the primitives. Backends subclass
 * {@link BackendConformanceTest}, not this class.
 *
 * <p>Every check builds fresh random inputs (a {@link Random} seeded from the test name, so runs are
 * reproducible), runs the operation on {@link #backend()}, and compares with the float64 values that
 * {@link #oracle()} computes from exactly the values the backend stored (downloaded back, so a
 * backend that computes in F16 is not charged for rounding its inputs). The default oracle runs the
 * same composite on the {@link ReferenceBackend} in float64; sprint-core's {@code DefaultCompositesTest}
 * plugs in independent direct formulas instead, which is how the default composite implementations
 * themselves are verified.
 *
 * <p>Metric (as the goldens'): max|a−b| ≤ tol·max(1, max|ref|), with tol = {@link #tolerance()} for one
 * rounding of the backend's float type, scaled by √n for an operation that reduces n products
 * (rounding errors of a float sum grow like √n for random data; the bound stays tight enough to catch
 * a wrong index or formula, whose error is O(1)).
 */
public abstract class CompositeConformanceTest {

    /** The backend under test (may be a shared instance; it is not closed by the test). */
    protected abstract TensorBackend backend();

    /**
     * Relative tolerance for one elementwise operation of the backend's float type: 1e-5 for F32
     * (float32 ε = 1.2e-7, with headroom for libm differences in exp/tanh/erf), 5e-3 for F16
     * (ε = 9.8e-4), 4e-2 for BF16 (ε = 7.8e-3). Override to tighten or for a backend with a known,
     * documented precision loss (e.g. TF32 convolutions).
     */
    protected double tolerance() {
        return switch (backend().floatType()) {
            case F16 -> 5e-3;
            case BF16 -> 4e-2;
            default -> 1e-5;
        };
    }

    /** Tolerance for an operation whose outputs each reduce {@code n} products. */
    protected double tolerance(long n) {
        return tolerance() * Math.max(1.0, Math.sqrt(n));
    }

    /** Where the expected float64 values of the composites come from. */
    protected Oracle oracle() {
        return new ReferenceOracle(new ReferenceBackend());
    }

    // ---- machinery --------------------------------------------------------------------------------

    /** A float64 n-d array in row-major order: an expected result, or the values of an input. */
    public record Nd(long[] shape, double[] v) {
        public Nd {
            if (v.length != dev.sprint.core.tensor.HostTensor.numel(shape)) {
                throw new IllegalArgumentException(Arrays.toString(shape) + " vs " + v.length + " values");
            }
        }

        public int rank() {
            return shape.length;
        }

        public long size(int axis) {
            return shape[axis < 0 ? shape.length + axis : axis];
        }
    }

    /** Expected values of the composite operations, in float64. Arguments documented as on {@link TensorBackend}. */
    public interface Oracle {
        Nd linear(Nd x, Nd w, Nd b);

        Nd layerNorm(Nd x, Nd weight, Nd bias, double eps);

        Nd rmsNorm(Nd x, Nd weight, double eps);

        Nd groupNorm(Nd x, int groups, Nd weight, Nd bias, double eps);

        Nd attention(Nd q, Nd k, Nd v, Nd mask, double scale);

        Nd interpolate(Nd x, int outH, int outW, ResizeMode mode, boolean alignCorners);

        Nd pixelShuffle(Nd x, int r);

        Nd pixelUnshuffle(Nd x, int r);

        Nd pad(Nd x, long[] pads, double value);

        Nd transpose(Nd x, int d0, int d1);

        List<Nd> split(Nd x, int axis, long... sizes);
    }

    /** The oracle that runs {@link TensorBackend}'s composites on a {@link ReferenceBackend} (float64). */
    public static final class ReferenceOracle implements Oracle {
        private final ReferenceBackend ref;

        public ReferenceOracle(ReferenceBackend ref) {
            this.ref = ref;
        }

        private Tensor t(Nd a) {
            return a == null ? null : ref.fromDoubles(a.v(), DType.F32, a.shape());
        }

        private Nd nd(Tensor t) {
            return new Nd(t.shape(), ref.doubles(t));
        }

        @Override
        public Nd linear(Nd x, Nd w, Nd b) {
            return nd(ref.linear(t(x), t(w), t(b)));
        }

        @Override
        public Nd layerNorm(Nd x, Nd weight, Nd bias, double eps) {
            return nd(ref.layerNorm(t(x), t(weight), t(bias), eps));
        }

        @Override
        public Nd rmsNorm(Nd x, Nd weight, double eps) {
            return nd(ref.rmsNorm(t(x), t(weight), eps));
        }

        @Override
        public Nd groupNorm(Nd x, int groups, Nd weight, Nd bias, double eps) {
            return nd(ref.groupNorm(t(x), groups, t(weight), t(bias), eps));
        }

        @Override
        public Nd attention(Nd q, Nd k, Nd v, Nd mask, double scale) {
            return nd(ref.attention(t(q), t(k), t(v), t(mask), scale));
        }

        @Override
        public Nd interpolate(Nd x, int outH, int outW, ResizeMode mode, boolean alignCorners) {
            return nd(ref.interpolate(t(x), outH, outW, mode, alignCorners));
        }

        @Override
        public Nd pixelShuffle(Nd x, int r) {
            return nd(ref.pixelShuffle(t(x), r));
        }

        @Override
        public Nd pixelUnshuffle(Nd x, int r) {
            return nd(ref.pixelUnshuffle(t(x), r));
        }

        @Override
        public Nd pad(Nd x, long[] pads, double value) {
            return nd(ref.pad(t(x), pads, value));
        }

        @Override
        public Nd transpose(Nd x, int d0, int d1) {
            return nd(ref.transpose(t(x), d0, d1));
        }

        @Override
        public List<Nd> split(Nd x, int axis, long... sizes) {
            List<Nd> out = new ArrayList<>();
            for (Tensor p : ref.split(t(x), axis, sizes)) out.add(nd(p));
            return out;
        }
    }

    /** The backend under test, fetched once per test. */
    protected TensorBackend be;
    /** A float64 reference backend for expected values of primitives. */
    protected ReferenceBackend ref;
    /** Seeded from the test's name: fresh but reproducible inputs. */
    protected Random rnd;

    private Scope testScope;

    @BeforeEach
    public void openTestScope(TestInfo info) {
        be = backend();
        ref = new ReferenceBackend();
        rnd = new Random(0x5EEDL * 31 + info.getDisplayName().hashCode());
        testScope = be.newScope();
    }

    @AfterEach
    public void closeTestScope() {
        testScope.close();
    }

    /** A tensor on the backend under test, with the values it stores and the same values on the reference. */
    public record Pair(Tensor t, Tensor r, Nd nd) {}

    /** Uniform random values in [lo, hi). */
    protected float[] uniform(int n, double lo, double hi) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (lo + (hi - lo) * rnd.nextDouble());
        return v;
    }

    /** Uploads {@code values} to the backend under test and mirrors what it stored on the reference. */
    protected Pair pair(float[] values, long... shape) {
        Tensor t = be.fromFloats(values, shape);
        double[] stored = be.download(t).toDoubles();
        return new Pair(t, ref.fromDoubles(stored, DType.F32, shape), new Nd(shape, stored));
    }

    /** A random tensor with values uniform in [lo, hi). */
    protected Pair randIn(double lo, double hi, long... shape) {
        return pair(uniform(Math.toIntExact(dev.sprint.core.tensor.HostTensor.numel(shape)), lo, hi), shape);
    }

    /** A random tensor with values uniform in [−1, 1). */
    protected Pair rand(long... shape) {
        return randIn(-1, 1, shape);
    }

    /** Values of a reference tensor. */
    protected Nd nd(Tensor referenceTensor) {
        return new Nd(referenceTensor.shape(), ref.doubles(referenceTensor));
    }

    /**
     * Asserts shape equality and max|a−b| ≤ tol·max(1, max|ref|); NaN and ±∞ must match exactly.
     * Returns the achieved relative error.
     */
    protected double assertClose(String what, Tensor actual, Nd expected, double tol) {
        assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
        double[] a = be.download(actual).toDoubles();
        return assertValues(what, a, expected.v(), tol);
    }

    /** As {@link #assertClose(String, Tensor, Nd, double)} with the expected value from a reference tensor. */
    protected double assertClose(String what, Tensor actual, Tensor expectedRef, double tol) {
        return assertClose(what, actual, nd(expectedRef), tol);
    }

    /** The metric on plain arrays. */
    public static double assertValues(String what, double[] a, double[] e, double tol) {
        assertEquals(e.length, a.length, what + ": element count");
        double maxRef = 0;
        for (double x : e) if (Double.isFinite(x)) maxRef = Math.max(maxRef, Math.abs(x));
        double maxErr = 0;
        int worst = -1;
        for (int i = 0; i < e.length; i++) {
            double err;
            if (Double.isNaN(e[i]) || Double.isInfinite(e[i])) {
                err = Double.compare(a[i], e[i]) == 0 || (Double.isNaN(a[i]) && Double.isNaN(e[i])) ? 0 : Double.POSITIVE_INFINITY;
            } else {
                err = Math.abs(a[i] - e[i]);
                if (Double.isNaN(err)) err = Double.POSITIVE_INFINITY;
            }
            if (err > maxErr) {
                maxErr = err;
                worst = i;
            }
        }
        return Golden.relativeError(what, maxErr, maxRef, tol, worst, i -> a[i], i -> e[i]);
    }

    private static Nd ndOrNull(Pair p) {
        return p == null ? null : p.nd();
    }

    private static Tensor tOrNull(Pair p) {
        return p == null ? null : p.t();
    }

    // ---- composites -------------------------------------------------------------------------------

    @Test
    public void linear() {
        long[][] xShapes = {{5, 7}, {2, 3, 7}, {1, 1, 7}, {2, 2, 3, 7}};
        for (long[] xs : xShapes) {
            for (boolean bias : new boolean[] {true, false}) {
                Pair x = rand(xs);
                Pair w = rand(6, 7);
                Pair b = bias ? rand(6) : null;
                Tensor y = be.linear(x.t(), w.t(), tOrNull(b));
                assertClose("linear " + Arrays.toString(xs) + " bias=" + bias, y, oracle().linear(x.nd(), w.nd(), ndOrNull(b)),
                        tolerance(7));
            }
        }
        // a wide layer: reduction length 96
        Pair x = rand(3, 96);
        Pair w = rand(40, 96);
        Pair b = rand(40);
        assertClose("linear 96->40", be.linear(x.t(), w.t(), b.t()), oracle().linear(x.nd(), w.nd(), b.nd()), tolerance(96));
    }

    @Test
    public void layerNorm() {
        for (boolean affine : new boolean[] {true, false}) {
            // an offset mean and a large scale test the variance computation
            Pair x = randIn(-2, 8, 2, 5, 24);
            Pair w = affine ? rand(24) : null;
            Pair b = affine ? rand(24) : null;
            for (double eps : new double[] {1e-6, 1e-5}) {
                Tensor y = be.layerNorm(x.t(), tOrNull(w), tOrNull(b), eps);
                assertClose("layerNorm affine=" + affine + " eps=" + eps, y,
                        oracle().layerNorm(x.nd(), ndOrNull(w), ndOrNull(b), eps), tolerance(24));
            }
        }
        // a variance comparable to eps: where eps sits in the formula matters
        Pair small = randIn(-3e-3, 3e-3, 4, 16);
        Pair sw = rand(16);
        assertClose("layerNorm with variance ~ eps", be.layerNorm(small.t(), sw.t(), null, 1e-5),
                oracle().layerNorm(small.nd(), sw.nd(), null, 1e-5), tolerance(16));
        Pair x = rand(3, 1);
        assertClose("layerNorm of a size-1 axis", be.layerNorm(x.t(), null, null, 1e-5),
                oracle().layerNorm(x.nd(), null, null, 1e-5), tolerance());
    }

    @Test
    public void rmsNorm() {
        for (boolean weighted : new boolean[] {true, false}) {
            Pair x = randIn(-3, 3, 2, 4, 16);
            Pair w = weighted ? rand(16) : null;
            Tensor y = be.rmsNorm(x.t(), tOrNull(w), 1e-6);
            assertClose("rmsNorm weighted=" + weighted, y, oracle().rmsNorm(x.nd(), ndOrNull(w), 1e-6), tolerance(16));
        }
        Pair small = randIn(-3e-3, 3e-3, 4, 16);
        assertClose("rmsNorm with mean square ~ eps", be.rmsNorm(small.t(), null, 1e-5),
                oracle().rmsNorm(small.nd(), null, 1e-5), tolerance(16));
        Pair x = rand(7);
        assertClose("rmsNorm rank 1", be.rmsNorm(x.t(), null, 1e-5), oracle().rmsNorm(x.nd(), null, 1e-5), tolerance(7));
    }

    /**
     * {@code addRmsNorm}: the stream plus the (weighted, biased) norm of x, over the last axis, for plain tensors and
     * for the channels-last views the DC-AE passes (NCHW data permuted so channels are last).
     */
    @Test
    public void addRmsNorm() {
        long b = 2, h = 3, w = 5, c = 8;
        for (boolean bias : new boolean[] {true, false}) {
            for (boolean view : new boolean[] {false, true}) {
                Pair acc = view ? rand(b, c, h, w) : rand(b, h, w, c);
                Pair x = randIn(-3, 3, b, h, w, c);
                Pair wt = rand(c);
                Pair bs = bias ? rand(c) : null;
                Tensor a = view ? be.permute(acc.t(), 0, 2, 3, 1) : acc.t();
                double[] e = oracle().rmsNorm(x.nd(), wt.nd(), 1e-5).v().clone();
                double[] av = acc.nd().v();
                for (int i = 0; i < e.length; i++) {
                    int ch = (int) (i % c);
                    int pix = (int) (i / c);
                    // element i of the NHWC-ordered result: in the NCHW source of a view, channel-major
                    int bi = (int) (pix / (h * w));
                    int at = view ? (int) ((bi * c + ch) * h * w + pix % (h * w)) : i;
                    e[i] += (bias ? bs.nd().v()[ch] : 0) + av[at];
                }
                assertClose("addRmsNorm bias=" + bias + (view ? " channels-last view" : ""),
                        be.addRmsNorm(a, x.t(), wt.t(), tOrNull(bs), 1e-5), new Nd(new long[] {b, h, w, c}, e), tolerance(16));
            }
        }
    }

    @Test
    public void groupNorm() {
        long[][] shapes = {{2, 6, 5, 3}, {1, 4, 7}, {1, 8, 1, 1, 2}};
        int[] groups = {3, 2, 4};
        for (int i = 0; i < shapes.length; i++) {
            for (boolean affine : new boolean[] {true, false}) {
                long[] s = shapes[i];
                Pair x = randIn(-1, 3, s);
                Pair w = affine ? rand(s[1]) : null;
                Pair b = affine ? rand(s[1]) : null;
                Tensor y = be.groupNorm(x.t(), groups[i], tOrNull(w), tOrNull(b), 1e-6);
                long len = x.nd().v().length / s[0] / groups[i];
                assertClose("groupNorm " + Arrays.toString(s) + " groups=" + groups[i] + " affine=" + affine, y,
                        oracle().groupNorm(x.nd(), groups[i], ndOrNull(w), ndOrNull(b), 1e-6), tolerance(len));
            }
        }
        Pair small = randIn(-3e-3, 3e-3, 1, 4, 3, 3);
        assertClose("groupNorm with variance ~ eps", be.groupNorm(small.t(), 2, null, null, 1e-5),
                oracle().groupNorm(small.nd(), 2, null, null, 1e-5), tolerance(18));
    }

    @Test
    public void attentionWithoutMask() {
        long[][][] cases = {
            {{2, 3, 5, 8}, {2, 3, 7, 8}, {2, 3, 7, 4}}, // Lq != Lk, Dv != D
            {{1, 1, 1, 8}, {1, 1, 1, 8}, {1, 1, 1, 8}}, // a single key: softmax is exactly 1
            {{4, 6, 16}, {4, 6, 16}, {4, 6, 16}}, // rank 3
        };
        for (long[][] c : cases) {
            Pair q = rand(c[0]);
            Pair k = rand(c[1]);
            Pair v = rand(c[2]);
            double scale = 1 / Math.sqrt(c[0][c[0].length - 1]);
            Tensor y = be.attention(q.t(), k.t(), v.t(), null, scale);
            assertClose("attention " + Arrays.deepToString(c), y, oracle().attention(q.nd(), k.nd(), v.nd(), null, scale),
                    attentionTolerance(c[0][c[0].length - 1], c[1][c[1].length - 2]));
        }
    }

    @Test
    public void attentionWithMask() {
        Qkv a = qkv();
        // key padding mask (B, 1, 1, Lk): the last keys of batch 1 masked with a large negative value
        float[] pad = new float[Qkv.B * Qkv.LK];
        for (int j = 4; j < Qkv.LK; j++) pad[Qkv.LK + j] = -1e4f;
        Pair m1 = pair(pad, Qkv.B, 1, 1, Qkv.LK);
        // a full random additive bias (Lq, Lk), broadcast over batch and heads
        Pair m2 = randIn(-2, 2, Qkv.LQ, Qkv.LK);
        for (Pair m : List.of(m1, m2, causalMask())) {
            Tensor y = be.attention(a.q().t(), a.k().t(), a.v().t(), m.t(), Qkv.SCALE);
            assertClose("attention mask " + Arrays.toString(m.nd().shape()), y,
                    oracle().attention(a.q().nd(), a.k().nd(), a.v().nd(), m.nd(), Qkv.SCALE), attentionTolerance(Qkv.D, Qkv.LK));
        }
    }

    @Test
    public void attentionInQueryChunksEqualsTheWholeComputation() {
        Qkv a = qkv();
        List<Pair> masks = new ArrayList<>();
        masks.add(null);
        masks.add(causalMask());                               // rows follow the query chunks
        masks.add(randIn(-2, 2, Qkv.B, 1, 1, Qkv.LK));         // one row broadcast to every query
        long rowBytes = (long) Qkv.B * Qkv.H * Qkv.LK * 4;
        for (long bound : new long[] {1, rowBytes * 2, rowBytes * 3}) {  // 1, 2 and 3 query rows per chunk
            for (Pair m : masks) {
                Tensor y = be.attention(a.q().t(), a.k().t(), a.v().t(), m == null ? null : m.t(), Qkv.SCALE, bound);
                assertClose("chunked attention (" + bound + " B) mask " + (m == null ? "none" : Arrays.toString(m.nd().shape())),
                        y, oracle().attention(a.q().nd(), a.k().nd(), a.v().nd(), m == null ? null : m.nd(), Qkv.SCALE),
                        attentionTolerance(Qkv.D, Qkv.LK));
            }
        }
    }

    /** Random queries (B, H, Lq, D), keys and values (B, H, Lk, D) of the masked attention tests. */
    private record Qkv(Pair q, Pair k, Pair v) {
        static final int B = 2, H = 2, LQ = 5, LK = 6, D = 8;
        static final double SCALE = 1 / Math.sqrt(D);
    }

    private Qkv qkv() {
        return new Qkv(rand(Qkv.B, Qkv.H, Qkv.LQ, Qkv.D), rand(Qkv.B, Qkv.H, Qkv.LK, Qkv.D), rand(Qkv.B, Qkv.H, Qkv.LK, Qkv.D));
    }

    /** (1, 1, Lq, Lk) with −∞ above the diagonal: every query row keeps at least one key. */
    private Pair causalMask() {
        float[] causal = new float[Qkv.LQ * Qkv.LK];
        for (int i = 0; i < Qkv.LQ; i++) for (int j = 0; j < Qkv.LK; j++) if (j > i) causal[i * Qkv.LK + j] = Float.NEGATIVE_INFINITY;
        return pair(causal, 1, 1, Qkv.LQ, Qkv.LK);
    }

    /** Scores reduce D products; the output reduces Lk probabilities times values. */
    protected double attentionTolerance(long d, long lk) {
        return tolerance() * (Math.sqrt(d) + Math.sqrt(lk));
    }

    @Test
    public void interpolateAllModes() {
        int[][] sizes = {
            {4, 6, 8, 12}, // 2x up, non-square
            {5, 7, 11, 3}, // up in H, down in W, odd sizes
            {8, 6, 4, 3}, // 2x down
            {9, 9, 4, 5}, // down by non-integers
            {1, 5, 3, 5}, // size-1 input height
            {6, 4, 1, 1}, // to a single pixel
        };
        for (int[] s : sizes) {
            Pair x = rand(2, 3, s[0], s[1]);
            for (ResizeMode mode : ResizeMode.values()) {
                boolean linear = mode == ResizeMode.BILINEAR || mode == ResizeMode.BICUBIC;
                for (boolean ac : linear ? new boolean[] {false, true} : new boolean[] {false}) {
                    Tensor y = be.interpolate(x.t(), s[2], s[3], mode, ac);
                    assertClose("interpolate " + mode + " alignCorners=" + ac + " " + Arrays.toString(s), y,
                            oracle().interpolate(x.nd(), s[2], s[3], mode, ac), tolerance(s[0] + s[1]));
                }
            }
        }
    }

    /**
     * Values of PyTorch's {@code F.interpolate} that pin the resize semantics (derived by hand from
     * ATen's upsample kernels: source coordinate (dst+0.5)·in/out − 0.5, clamped at 0 for bilinear and
     * not for bicubic; bicubic A = −0.75 with border-clamped taps; nearest floor(dst·in/out)).
     */
    @Test
    public void interpolatePinnedToPyTorch() {
        float[] ramp = {0, 1, 2, 3};
        Tensor x = be.fromFloats(ramp, 1, 1, 1, 4);
        double tol = tolerance();
        // F.interpolate(torch.arange(4.).view(1,1,1,4), size=(1,8), mode='bilinear', align_corners=False)
        assertValues("bilinear 4->8", values(be.interpolate(x, 1, 8, ResizeMode.BILINEAR, false)),
                new double[] {0, .25, .75, 1.25, 1.75, 2.25, 2.75, 3}, tol);
        // align_corners=True: dst·(in−1)/(out−1) = dst·3/7
        double[] ac = new double[8];
        for (int i = 0; i < 8; i++) ac[i] = i * 3.0 / 7.0;
        assertValues("bilinear 4->8 align_corners", values(be.interpolate(x, 1, 8, ResizeMode.BILINEAR, true)), ac, tol);
        // bicubic, A = -0.75: e.g. dst 0 → src −0.25, taps at −2,−1,0,1 → values 0,0,0,1 with weight
        // W(1.25) = ((A·1.25 − 5A)·1.25 + 8A)·1.25 − 4A = −0.10546875 on the tap holding 1
        assertValues("bicubic 4->8", values(be.interpolate(x, 1, 8, ResizeMode.BICUBIC, false)),
                new double[] {-0.10546875, 0.19140625, 0.66796875, 1.296875, 1.703125, 2.33203125, 2.80859375, 3.10546875},
                tol);
        // bicubic align_corners=True: output 0 and 7 sit exactly on input pixels 0 and 3 (t = 0, where the
        // kernel weights are 0, 1, 0, 0); output 1 is at src 3/7 with taps −1→0 (clamped), 0, 1, 2
        double[] bac = values(be.interpolate(x, 1, 8, ResizeMode.BICUBIC, true));
        double t = 3.0 / 7.0;
        double w1 = ((1.25 * (1 - t) - 2.25) * (1 - t) * (1 - t) + 1); // W(1−t) for the tap at 1
        double s2 = 2 - t; // distance to the tap at 2
        double w2 = ((-0.75 * s2 + 3.75) * s2 - 6) * s2 + 3; // W(2−t)
        assertValues("bicubic 4->8 align_corners", new double[] {bac[0], bac[1], bac[7]},
                new double[] {0, w1 * 1 + w2 * 2, 3}, tol);
        assertValues("nearest 4->8", values(be.interpolate(x, 1, 8, ResizeMode.NEAREST, false)),
                new double[] {0, 0, 1, 1, 2, 2, 3, 3}, 0);
        Tensor five = be.fromFloats(new float[] {10, 11, 12, 13, 14}, 1, 1, 5, 1);
        // nearest 5->3: floor(i·5/3) = 0, 1, 3
        assertValues("nearest 5->3", values(be.interpolate(five, 3, 1, ResizeMode.NEAREST, false)),
                new double[] {10, 11, 13}, 0);
        // nearest-exact 5->3: floor((i+0.5)·5/3) = 0, 2, 4
        assertValues("nearest-exact 5->3", values(be.interpolate(five, 3, 1, ResizeMode.NEAREST_EXACT, false)),
                new double[] {10, 12, 14}, 0);
        // bilinear 5->3 (half-pixel): src = (i+0.5)·5/3 − 0.5 = 0.3333, 2, 3.6667
        assertValues("bilinear 5->3", values(be.interpolate(five, 3, 1, ResizeMode.BILINEAR, false)),
                new double[] {10 + 1.0 / 3, 12, 14 - 1.0 / 3}, tol);
    }

    private double[] values(Tensor t) {
        return be.download(t).toDoubles();
    }

    /**
     * {@code upsamplePhases} against its definition, for every shortcut repeat the DC-AE configs produce (and r = 1, 8),
     * with the phases given as a plain tensor and as a channels-last view (how a channels-last conv returns them).
     */
    @Test
    public void upsamplePhases() {
        long b = 2, c = 4, h = 3, w = 5;
        for (int r : new int[] {1, 2, 4, 8}) {
            for (boolean channelsLast : new boolean[] {false, true}) {
                Pair phases = channelsLast ? rand(b, h + 1, w + 1, 4 * c) : rand(b, 4 * c, h + 1, w + 1);
                Pair sc = rand(b, 4 * c / r, h, w);
                Tensor in = channelsLast ? be.permute(phases.t(), 0, 3, 1, 2) : phases.t();
                double[] p = phases.nd().v();
                double[] x = sc.nd().v();
                double[] y = new double[(int) (b * c * 4 * h * w)];
                long in4 = 4 * c / r;
                for (int bi = 0; bi < b; bi++) for (int ci = 0; ci < c; ci++) for (int i = 0; i < h; i++) for (int py = 0; py < 2; py++) {
                    for (int j = 0; j < w; j++) for (int px = 0; px < 2; px++) {
                        int ph = 2 * py + px;
                        long ch = ph * c + ci;
                        long row = i + py;
                        long col = j + px;
                        double v = channelsLast ? p[(int) (((bi * (h + 1) + row) * (w + 1) + col) * 4 * c + ch)]
                                : p[(int) (((bi * 4 * c + ch) * (h + 1) + row) * (w + 1) + col)];
                        long xc = (4L * ci + ph) / r;
                        v += x[(int) (((bi * in4 + xc) * h + i) * w + j)];
                        y[(int) (((bi * c + ci) * 2 * h + 2 * i + py) * 2 * w + 2 * j + px)] = v;
                    }
                }
                assertClose("upsamplePhases r=" + r + (channelsLast ? " channels-last" : ""),
                        be.upsamplePhases(in, sc.t(), r), new Nd(new long[] {b, c, 2 * h, 2 * w}, y), tolerance());
            }
        }
    }

    @Test
    public void pixelShuffleAndUnshuffle() {
        for (int r : new int[] {2, 3}) {
            Pair x = rand(2, 2 * r * r, 3, 5);
            assertClose("pixelShuffle r=" + r, be.pixelShuffle(x.t(), r), oracle().pixelShuffle(x.nd(), r), 0);
            Pair y = rand(1, 3, 4 * r, 2 * r);
            assertClose("pixelUnshuffle r=" + r, be.pixelUnshuffle(y.t(), r), oracle().pixelUnshuffle(y.nd(), r), 0);
            Tensor round = be.pixelShuffle(be.pixelUnshuffle(y.t(), r), r);
            assertClose("pixelShuffle∘pixelUnshuffle = id", round, y.nd(), 0);
        }
    }

    @Test
    public void pad() {
        Pair x = rand(2, 3, 4, 5);
        long[][] pads = {{1, 2}, {1, 1, 2, 0}, {0, 0, 0, 3}, {0, 0}, {2, 1, 0, 1, 1, 0}};
        for (long[] p : pads) {
            for (double value : new double[] {0, -1.5}) {
                assertClose("pad " + Arrays.toString(p) + " value " + value, be.pad(x.t(), p, value),
                        oracle().pad(x.nd(), p, value), 0);
            }
        }
    }

    @Test
    public void splitChunkTranspose() {
        Pair x = rand(4, 6, 5);
        List<Tensor> parts = be.split(x.t(), 1, 1, 3, 2);
        List<Nd> want = oracle().split(x.nd(), 1, 1, 3, 2);
        assertEquals(3, parts.size());
        for (int i = 0; i < 3; i++) assertClose("split part " + i, parts.get(i), want.get(i), 0);
        List<Tensor> chunks = be.chunk(x.t(), 2, 0);
        List<Nd> wantChunks = oracle().split(x.nd(), 0, 2, 2);
        for (int i = 0; i < 2; i++) assertClose("chunk " + i, chunks.get(i), wantChunks.get(i), 0);
        List<Tensor> last = be.chunk(x.t(), 5, -1);
        List<Nd> wantLast = oracle().split(x.nd(), 2, 1, 1, 1, 1, 1);
        for (int i = 0; i < 5; i++) assertClose("chunk last axis " + i, last.get(i), wantLast.get(i), 0);
        int[][] pairs = {{0, 1}, {1, 2}, {-1, -2}, {0, -1}, {2, 2}};
        for (int[] p : pairs) {
            assertClose("transpose " + Arrays.toString(p), be.transpose(x.t(), p[0], p[1]), oracle().transpose(x.nd(), p[0], p[1]), 0);
        }
        Pair r5 = rand(2, 1, 3, 2, 2);
        assertClose("transpose rank 5", be.transpose(r5.t(), 1, 3), oracle().transpose(r5.nd(), 1, 3), 0);
    }
}
