package dev.sprint.core.rng;

/**
 * One lane of the {@code log256_ps} and {@code sincos256_ps} routines of avx_mathfun (Pommier's
 * sse_mathfun ported to AVX by Garberoglio, after Cephes {@code logf}/{@code sinf}), which PyTorch's AVX2
 * normal sampler uses. Everything is float arithmetic. PyTorch compiles its AVX2 kernels with
 * {@code -mavx2 -mfma}; GCC's vector intrinsics are plain vector operators to it, so it fuses a product
 * into the following add when nothing else reads the product. The fusions are reproduced with
 * {@link Math#fma}.
 */
final class AvxMathFun {
    private AvxMathFun() {}

    private static float madd(float a, float b, float c) {
        return Math.fma(a, b, c);
    }

    private static final float SQRTHF = (float) 0.707106781186547524;
    private static final float LOG_P0 = 7.0376836292E-2f;
    private static final float LOG_P1 = -1.1514610310E-1f;
    private static final float LOG_P2 = 1.1676998740E-1f;
    private static final float LOG_P3 = -1.2420140846E-1f;
    private static final float LOG_P4 = +1.4249322787E-1f;
    private static final float LOG_P5 = -1.6668057665E-1f;
    private static final float LOG_P6 = +2.0000714765E-1f;
    private static final float LOG_P7 = -2.4999993993E-1f;
    private static final float LOG_P8 = +3.3333331174E-1f;
    private static final float LOG_Q1 = -2.12194440e-4f;
    private static final float LOG_Q2 = 0.693359375f;

    /** Natural log of one lane; NaN for x ≤ 0, denormals are flushed to the smallest normal. */
    static float log(float x) {
        boolean invalid = x <= 0f;
        x = Math.max(x, Float.MIN_NORMAL);
        int bits = Float.floatToRawIntBits(x);
        int exp = (bits >>> 23) - 0x7f;
        x = Float.intBitsToFloat((bits & ~0x7f800000) | Float.floatToRawIntBits(0.5f)); // mantissa in [0.5, 1)
        float e = (float) exp + 1f;
        // if x < √½: e −= 1, x = 2x − 1; else x = x − 1
        boolean small = x < SQRTHF;
        float tmp = small ? x : 0f;
        x = x - 1f;
        e = e - (small ? 1f : 0f);
        x = x + tmp;
        float z = x * x;
        float y = LOG_P0;
        y = madd(y, x, LOG_P1);
        y = madd(y, x, LOG_P2);
        y = madd(y, x, LOG_P3);
        y = madd(y, x, LOG_P4);
        y = madd(y, x, LOG_P5);
        y = madd(y, x, LOG_P6);
        y = madd(y, x, LOG_P7);
        y = madd(y, x, LOG_P8);
        y = y * x;
        // y·z + e·q1: GCC fuses the first product in statement order (checked against the AVX2 goldens)
        y = madd(y, z, e * LOG_Q1);
        y = y - z * 0.5f; // z·0.5 is exact, fused or not
        x = x + y;
        x = madd(e, LOG_Q2, x); // e·q2 is exact (q2 has 9 significant bits)
        return invalid ? Float.NaN : x;
    }

    private static final float DP1 = -0.78515625f;
    private static final float DP2 = -2.4187564849853515625e-4f;
    private static final float DP3 = -3.77489497744594108e-8f;
    private static final float SIN_P0 = -1.9515295891E-4f;
    private static final float SIN_P1 = 8.3321608736E-3f;
    private static final float SIN_P2 = -1.6666654611E-1f;
    private static final float COS_P0 = 2.443315711809948E-005f;
    private static final float COS_P1 = -1.388731625493765E-003f;
    private static final float COS_P2 = 4.166664568298827E-002f;
    private static final float FOPI = (float) 1.27323954473516; // 4/π

    /** Sine and cosine of one lane, written to out[0] and out[1]. */
    static void sincos(float x, float[] out) {
        int signSin = Float.floatToRawIntBits(x) & 0x80000000;
        x = Math.abs(x);
        float y = x * FOPI;
        int j = (int) y; // truncation, as cvttps
        j = (j + 1) & ~1; // octant rounded up to even (Cephes)
        y = (float) j;
        int swapSin = (j & 4) << 29;
        boolean polyMask = (j & 2) == 0; // true: the sine comes from the sine polynomial
        // extended-precision reduction x − y·π/4 in three parts
        x = madd(y, DP1, x);
        x = madd(y, DP2, x);
        x = madd(y, DP3, x);
        int signCos = (~(j - 2) & 4) << 29;
        signSin ^= swapSin;

        float z = x * x;
        float c = COS_P0;
        c = madd(c, z, COS_P1);
        c = madd(c, z, COS_P2);
        c = c * z;
        c = madd(c, z, -(z * 0.5f)); // z·0.5 is exact; the second c·z is the fused product
        c = c + 1f;

        float s = SIN_P0;
        s = madd(s, z, SIN_P1);
        s = madd(s, z, SIN_P2);
        s = s * z;
        s = madd(s, x, x);

        // branch-free selection as in the vector code (adds of +0 included)
        float ysin2 = polyMask ? s : 0f;
        float ysin1 = polyMask ? 0f : c;
        float sin = ysin1 + ysin2;
        float cos = (c - ysin1) + (s - ysin2);
        out[0] = Float.intBitsToFloat(Float.floatToRawIntBits(sin) ^ signSin);
        out[1] = Float.intBitsToFloat(Float.floatToRawIntBits(cos) ^ signCos);
    }
}
