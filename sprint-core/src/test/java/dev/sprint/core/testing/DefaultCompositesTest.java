package dev.sprint.core.testing;

import dev.sprint.core.tensor.ResizeMode;
import dev.sprint.core.tensor.TensorBackend;
import java.util.ArrayList;
import java.util.List;

/**
 * Verifies {@link TensorBackend}'s DEFAULT composite implementations (linear, norms, attention,
 * interpolate, pixel shuffles, pad, split/chunk, transpose): the composite checks of
 * {@link CompositeConformanceTest} run on a {@link ReferenceBackend} subclass that overrides none of
 * them, against direct float64 formulas written here element by element — independent code, not the
 * matmul/reshape compositions under test. Comparing the reference backend with itself could not fail;
 * this can.
 */
class DefaultCompositesTest extends CompositeConformanceTest {

    private static final TensorBackend DEFAULTS = new ReferenceBackend() {};

    @Override
    protected TensorBackend backend() {
        return DEFAULTS;
    }

    @Override
    protected Oracle oracle() {
        return new DirectFormulas();
    }

    /** Row-major multi-index helpers. */
    static long[] unravel(long flat, long[] shape) {
        long[] idx = new long[shape.length];
        for (int d = shape.length - 1; d >= 0; d--) {
            idx[d] = flat % shape[d];
            flat /= shape[d];
        }
        return idx;
    }

    static int ravel(long[] idx, long[] shape) {
        long flat = 0;
        for (int d = 0; d < shape.length; d++) flat = flat * shape[d] + idx[d];
        return (int) flat;
    }

    /** Offset in a tensor of shape {@code in} broadcast (right-aligned) to an index of a larger shape. */
    static int broadcastOffset(long[] outIdx, long[] in) {
        long[] idx = new long[in.length];
        int off = outIdx.length - in.length;
        for (int d = 0; d < in.length; d++) idx[d] = in[d] == 1 ? 0 : outIdx[d + off];
        return ravel(idx, in);
    }

    static long numel(long[] s) {
        long n = 1;
        for (long d : s) n *= d;
        return n;
    }

    /** The composites written out as sums over elements, in float64. */
    static final class DirectFormulas implements Oracle {

        @Override
        public Nd linear(Nd x, Nd w, Nd b) {
            int in = (int) x.size(-1);
            int out = (int) w.size(0);
            int rows = x.v().length / in;
            long[] shape = x.shape().clone();
            shape[shape.length - 1] = out;
            double[] y = new double[rows * out];
            for (int r = 0; r < rows; r++) {
                for (int o = 0; o < out; o++) {
                    double acc = b == null ? 0 : b.v()[o];
                    for (int i = 0; i < in; i++) acc += x.v()[r * in + i] * w.v()[o * in + i];
                    y[r * out + o] = acc;
                }
            }
            return new Nd(shape, y);
        }

        @Override
        public Nd layerNorm(Nd x, Nd weight, Nd bias, double eps) {
            int c = (int) x.size(-1);
            double[] y = new double[x.v().length];
            for (int r = 0; r < y.length / c; r++) {
                double mu = 0;
                for (int i = 0; i < c; i++) mu += x.v()[r * c + i];
                mu /= c;
                double var = 0;
                for (int i = 0; i < c; i++) var += Math.pow(x.v()[r * c + i] - mu, 2);
                var /= c;
                for (int i = 0; i < c; i++) {
                    double n = (x.v()[r * c + i] - mu) / Math.sqrt(var + eps);
                    y[r * c + i] = n * (weight == null ? 1 : weight.v()[i]) + (bias == null ? 0 : bias.v()[i]);
                }
            }
            return new Nd(x.shape(), y);
        }

        @Override
        public Nd rmsNorm(Nd x, Nd weight, double eps) {
            int c = (int) x.size(-1);
            double[] y = new double[x.v().length];
            for (int r = 0; r < y.length / c; r++) {
                double ms = 0;
                for (int i = 0; i < c; i++) ms += x.v()[r * c + i] * x.v()[r * c + i];
                double inv = 1 / Math.sqrt(ms / c + eps);
                for (int i = 0; i < c; i++) y[r * c + i] = x.v()[r * c + i] * inv * (weight == null ? 1 : weight.v()[i]);
            }
            return new Nd(x.shape(), y);
        }

        @Override
        public Nd groupNorm(Nd x, int groups, Nd weight, Nd bias, double eps) {
            long[] s = x.shape();
            int n = (int) s[0];
            int c = (int) s[1];
            int spatial = (int) (numel(s) / n / c);
            int cpg = c / groups;
            double[] y = new double[x.v().length];
            for (int b = 0; b < n; b++) {
                for (int g = 0; g < groups; g++) {
                    int start = (b * c + g * cpg) * spatial; // a group is contiguous: cpg channels × spatial
                    int len = cpg * spatial;
                    double mu = 0;
                    for (int i = 0; i < len; i++) mu += x.v()[start + i];
                    mu /= len;
                    double var = 0;
                    for (int i = 0; i < len; i++) var += Math.pow(x.v()[start + i] - mu, 2);
                    var /= len;
                    for (int i = 0; i < len; i++) {
                        int ch = g * cpg + i / spatial;
                        double v = (x.v()[start + i] - mu) / Math.sqrt(var + eps);
                        y[start + i] = v * (weight == null ? 1 : weight.v()[ch]) + (bias == null ? 0 : bias.v()[ch]);
                    }
                }
            }
            return new Nd(s, y);
        }

        @Override
        public Nd attention(Nd q, Nd k, Nd v, Nd mask, double scale) {
            int r = q.rank();
            int lq = (int) q.size(-2);
            int d = (int) q.size(-1);
            int lk = (int) k.size(-2);
            int dv = (int) v.size(-1);
            int batch = (int) (numel(q.shape()) / lq / d);
            long[] outShape = q.shape().clone();
            outShape[r - 1] = dv;
            long[] scoreShape = q.shape().clone();
            scoreShape[r - 1] = lk;
            double[] out = new double[batch * lq * dv];
            double[] p = new double[lk];
            for (int b = 0; b < batch; b++) {
                for (int i = 0; i < lq; i++) {
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        double s = 0;
                        for (int e = 0; e < d; e++) s += q.v()[(b * lq + i) * d + e] * k.v()[(b * lk + j) * d + e];
                        s *= scale;
                        if (mask != null) {
                            long[] idx = unravel(((long) b * lq + i) * lk + j, scoreShape);
                            s += mask.v()[broadcastOffset(idx, mask.shape())];
                        }
                        p[j] = s;
                        max = Math.max(max, s);
                    }
                    double z = 0;
                    for (int j = 0; j < lk; j++) {
                        p[j] = Math.exp(p[j] - max);
                        z += p[j];
                    }
                    for (int e = 0; e < dv; e++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) acc += p[j] / z * v.v()[(b * lk + j) * dv + e];
                        out[(b * lq + i) * dv + e] = acc;
                    }
                }
            }
            return new Nd(outShape, out);
        }

        /** One output position's source taps and weights along an axis: PyTorch's upsample kernels. */
        private static double[][] taps(int in, int out, int o, ResizeMode mode, boolean alignCorners) {
            switch (mode) {
                case NEAREST, NEAREST_EXACT -> {
                    // ATen computes these in float: scale = in/out, src = floor(dst·scale) or floor((dst+0.5)·scale)
                    float scale = (float) in / out;
                    float pos = mode == ResizeMode.NEAREST ? o * scale : (o + 0.5f) * scale;
                    return new double[][] {{Math.min((int) Math.floor(pos), in - 1)}, {1}};
                }
                case BILINEAR -> {
                    double src = sourceCoordinate(in, out, o, alignCorners, false);
                    int i0 = (int) src;
                    int i1 = Math.min(i0 + 1, in - 1);
                    double l1 = src - i0;
                    return new double[][] {{i0, i1}, {1 - l1, l1}};
                }
                case BICUBIC -> {
                    double src = sourceCoordinate(in, out, o, alignCorners, true);
                    int i0 = (int) Math.floor(src);
                    double t = src - i0;
                    double[] idx = new double[4];
                    double[] w = new double[4];
                    for (int k = -1; k <= 2; k++) {
                        idx[k + 1] = Math.min(Math.max(i0 + k, 0), in - 1); // border replicated
                        w[k + 1] = keys(t - k); // distance from the tap
                    }
                    return new double[][] {idx, w};
                }
                default -> throw new IllegalArgumentException(String.valueOf(mode));
            }
        }

        /** ATen's area_pixel_compute_source_index (half-pixel centres; linear clamps at 0, cubic does not). */
        private static double sourceCoordinate(int in, int out, int o, boolean alignCorners, boolean cubic) {
            if (alignCorners) return out > 1 ? o * (double) (in - 1) / (out - 1) : 0;
            double src = (o + 0.5) * in / out - 0.5;
            return cubic ? src : Math.max(src, 0);
        }

        /** Keys' cubic convolution kernel with a = −0.75 (PyTorch's bicubic). */
        private static double keys(double x) {
            final double a = -0.75;
            double ax = Math.abs(x);
            if (ax <= 1) return (a + 2) * ax * ax * ax - (a + 3) * ax * ax + 1;
            if (ax < 2) return a * ax * ax * ax - 5 * a * ax * ax + 8 * a * ax - 4 * a;
            return 0;
        }

        @Override
        public Nd interpolate(Nd x, int outH, int outW, ResizeMode mode, boolean alignCorners) {
            int n = (int) x.size(0), c = (int) x.size(1), h = (int) x.size(2), w = (int) x.size(3);
            double[] y = new double[n * c * outH * outW];
            for (int plane = 0; plane < n * c; plane++) {
                for (int oy = 0; oy < outH; oy++) {
                    double[][] ty = taps(h, outH, oy, mode, alignCorners);
                    for (int ox = 0; ox < outW; ox++) {
                        double[][] tx = taps(w, outW, ox, mode, alignCorners);
                        double acc = 0;
                        for (int a = 0; a < ty[0].length; a++) {
                            for (int b = 0; b < tx[0].length; b++) {
                                acc += ty[1][a] * tx[1][b] * x.v()[(plane * h + (int) ty[0][a]) * w + (int) tx[0][b]];
                            }
                        }
                        y[(plane * outH + oy) * outW + ox] = acc;
                    }
                }
            }
            return new Nd(new long[] {n, c, outH, outW}, y);
        }

        @Override
        public Nd pixelShuffle(Nd x, int r) {
            long n = x.size(0), cr = x.size(1), h = x.size(2), w = x.size(3);
            long c = cr / (r * r);
            long[] shape = {n, c, h * r, w * r};
            double[] y = new double[x.v().length];
            for (int f = 0; f < y.length; f++) {
                long[] o = unravel(f, shape);
                long i = o[2] % r, j = o[3] % r;
                y[f] = x.v()[ravel(new long[] {o[0], o[1] * r * r + i * r + j, o[2] / r, o[3] / r}, x.shape())];
            }
            return new Nd(shape, y);
        }

        @Override
        public Nd pixelUnshuffle(Nd x, int r) {
            long n = x.size(0), c = x.size(1), h = x.size(2) / r, w = x.size(3) / r;
            long[] shape = {n, c * r * r, h, w};
            double[] y = new double[x.v().length];
            for (int f = 0; f < y.length; f++) {
                long[] o = unravel(f, shape);
                long ch = o[1] / (r * r), i = (o[1] % (r * r)) / r, j = o[1] % r;
                y[f] = x.v()[ravel(new long[] {o[0], ch, o[2] * r + i, o[3] * r + j}, x.shape())];
            }
            return new Nd(shape, y);
        }

        @Override
        public Nd pad(Nd x, long[] pads, double value) {
            long[] in = x.shape();
            long[] shape = in.clone();
            long[] before = new long[in.length];
            for (int p = 0; p < pads.length / 2; p++) {
                int axis = in.length - 1 - p;
                before[axis] = pads[2 * p];
                shape[axis] += pads[2 * p] + pads[2 * p + 1];
            }
            double[] y = new double[(int) numel(shape)];
            for (int f = 0; f < y.length; f++) {
                long[] o = unravel(f, shape);
                boolean inside = true;
                for (int d = 0; d < o.length; d++) {
                    o[d] -= before[d];
                    if (o[d] < 0 || o[d] >= in[d]) inside = false;
                }
                y[f] = inside ? x.v()[ravel(o, in)] : value;
            }
            return new Nd(shape, y);
        }

        @Override
        public Nd transpose(Nd x, int d0, int d1) {
            int r = x.rank();
            int a = d0 < 0 ? d0 + r : d0;
            int b = d1 < 0 ? d1 + r : d1;
            long[] shape = x.shape().clone();
            shape[a] = x.shape()[b];
            shape[b] = x.shape()[a];
            double[] y = new double[x.v().length];
            for (int f = 0; f < y.length; f++) {
                long[] o = unravel(f, shape);
                long t = o[a];
                o[a] = o[b];
                o[b] = t;
                y[f] = x.v()[ravel(o, x.shape())];
            }
            return new Nd(shape, y);
        }

        @Override
        public List<Nd> split(Nd x, int axis, long... sizes) {
            int ax = axis < 0 ? axis + x.rank() : axis;
            List<Nd> out = new ArrayList<>();
            long start = 0;
            for (long size : sizes) {
                long[] shape = x.shape().clone();
                shape[ax] = size;
                double[] y = new double[(int) numel(shape)];
                for (int f = 0; f < y.length; f++) {
                    long[] o = unravel(f, shape);
                    o[ax] += start;
                    y[f] = x.v()[ravel(o, x.shape())];
                }
                out.add(new Nd(shape, y));
                start += size;
            }
            return out;
        }
    }
}
