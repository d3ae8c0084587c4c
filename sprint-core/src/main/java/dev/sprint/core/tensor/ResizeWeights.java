package dev.sprint.core.tensor;

import dev.sprint.api.InvalidRequestException;
/**
 * Source indices and interpolation matrices that reproduce PyTorch's {@code upsample_*} kernels
 * (float arithmetic as ATen uses for float tensors, no antialiasing).
 */
public final class ResizeWeights {
    private ResizeWeights() {}

    private static float scale(int in, int out, boolean alignCorners) {
        if (alignCorners) return out > 1 ? (float) (in - 1) / (out - 1) : 0f;
        return (float) in / out;
    }

    /** Source index per output index for "nearest" / "nearest-exact". */
    public static long[] nearest(int in, int out, boolean exact) {
        float s = (float) in / out;
        long[] idx = new long[out];
        for (int i = 0; i < out; i++) {
            long v = exact ? (long) Math.floor((i + 0.5f) * s) : (long) Math.floor(i * s);
            idx[i] = Math.min(v, in - 1);
        }
        return idx;
    }

    /** Row-major (out, in) matrix M with y = M·x along one axis, for BILINEAR or BICUBIC. */
    public static float[] matrix(int in, int out, ResizeMode mode, boolean alignCorners) {
        float[] m = new float[out * in];
        float s = scale(in, out, alignCorners);
        for (int o = 0; o < out; o++) {
            if (mode == ResizeMode.BILINEAR) {
                float real = alignCorners ? s * o : Math.max(s * (o + 0.5f) - 0.5f, 0f);
                int x0 = (int) real;
                int x1 = x0 + (x0 < in - 1 ? 1 : 0);
                float l1 = real - x0;
                float l0 = 1f - l1;
                m[o * in + x0] += l0;
                m[o * in + x1] += l1;
            } else if (mode == ResizeMode.BICUBIC) {
                float real = alignCorners ? s * o : s * (o + 0.5f) - 0.5f;
                int x0 = (int) Math.floor(real);
                float t = real - x0;
                float[] c = cubicCoefficients(t);
                for (int k = 0; k < 4; k++) {
                    int src = Math.min(Math.max(x0 - 1 + k, 0), in - 1);
                    m[o * in + src] += c[k];
                }
            } else {
                throw new InvalidRequestException("no matrix for " + mode);
            }
        }
        return m;
    }

    /** ATen's get_cubic_upsample_coefficients with A = −0.75. */
    static float[] cubicCoefficients(float t) {
        final float a = -0.75f;
        float x1 = t;
        float x2 = 1f - t;
        return new float[] {
            cubic2(x1 + 1f, a), cubic1(x1, a), cubic1(x2, a), cubic2(x2 + 1f, a)
        };
    }

    private static float cubic1(float x, float a) {
        return ((a + 2) * x - (a + 3)) * x * x + 1;
    }

    private static float cubic2(float x, float a) {
        return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
    }
}
