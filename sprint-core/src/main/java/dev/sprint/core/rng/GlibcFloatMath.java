package dev.sprint.core.rng;

/**
 * Single-precision {@code logf}, {@code sinf} and {@code cosf} computed the way glibc (2.28 and later,
 * x86-64) computes them, so that PyTorch's scalar normal sampler can be reproduced to the bit.
 *
 * <p>glibc took these functions from Arm's optimized-routines: the float argument is widened to
 * double, reduced with a small table (log) or one multiply-subtract by π/2 (sin/cos), and a short
 * polynomial is evaluated in double before a single rounding to float. The results are not always
 * correctly rounded, which is why {@code (float) Math.log(x)} differs from {@code logf} in about one
 * case in a hundred. On x86-64 glibc selects, at run time, a copy of these routines compiled with
 * {@code -mfma}; GCC then fuses every {@code a*b + c} whose product has no other use into one
 * fused multiply-add; the SSE2 copy rounds twice. Both are available here ({@code fused}). Over every
 * argument PyTorch's sampler can produce (the 2^24 values {@code 1 − k·2⁻²⁴} for log and
 * {@code (float)(2π·k·2⁻²⁴)} for sin/cos) the two give identical floats (checked exhaustively by the
 * tests), so the default entry points use the unfused form, which is fast on every JVM ({@link Math#fma}
 * is slow where the JIT has no intrinsic). The table and polynomial coefficients are the published
 * constants of that implementation (numbers, not code).
 */
final class GlibcFloatMath {
    private GlibcFloatMath() {}

    /** a·b + c, rounded once (as the FMA build of glibc does) when fused, else twice. */
    private static double madd(double a, double b, double c, boolean fused) {
        return fused ? Math.fma(a, b, c) : a * b + c;
    }

    // ---------------------------------------------------------------- logf

    /** log(x) = log1p(z/c − 1) + log(c) + k·ln2 with x = 2^k·z and c the centre of z's sub-interval. */
    private static final int LOG_TABLE_BITS = 4;
    private static final int LOG_OFF = 0x3f330000; // z ranges over [OFF, 2·OFF)
    private static final double[] LOG_INVC = {
        0x1.661ec79f8f3bep+0, 0x1.571ed4aaf883dp+0, 0x1.49539f0f010bp+0, 0x1.3c995b0b80385p+0,
        0x1.30d190c8864a5p+0, 0x1.25e227b0b8eap+0, 0x1.1bb4a4a1a343fp+0, 0x1.12358f08ae5bap+0,
        0x1.0953f419900a7p+0, 0x1p+0, 0x1.e608cfd9a47acp-1, 0x1.ca4b31f026aap-1,
        0x1.b2036576afce6p-1, 0x1.9c2d163a1aa2dp-1, 0x1.886e6037841edp-1, 0x1.767dcf5534862p-1,
    };
    private static final double[] LOG_LOGC = {
        -0x1.57bf7808caadep-2, -0x1.2bef0a7c06ddbp-2, -0x1.01eae7f513a67p-2, -0x1.b31d8a68224e9p-3,
        -0x1.6574f0ac07758p-3, -0x1.1aa2bc79c81p-3, -0x1.a4e76ce8c0e5ep-4, -0x1.1973c5a611cccp-4,
        -0x1.252f438e10c1ep-5, 0x0p+0, 0x1.aa5aa5df25984p-5, 0x1.c5e53aa362eb4p-4,
        0x1.526e57720db08p-3, 0x1.bc2860d22477p-3, 0x1.1058bc8a07ee1p-2, 0x1.4043057b6ee09p-2,
    };
    private static final double LN2 = 0x1.62e42fefa39efp-1;
    // log1p(r) ≈ r + A2·r² + A1·r³ + A0·r⁴
    private static final double LOG_A0 = -0x1.00ea348b88334p-2;
    private static final double LOG_A1 = 0x1.5575b0be00b6ap-2;
    private static final double LOG_A2 = -0x1.ffffef20a4123p-2;

    /** glibc {@code logf}. */
    static float logf(float x) {
        return logf(x, false);
    }

    static float logf(float x, boolean fused) {
        int ix = Float.floatToRawIntBits(x);
        if (ix == 0x3f800000) return 0f;
        if (Integer.compareUnsigned(ix - 0x00800000, 0x7f800000 - 0x00800000) >= 0) {
            if (ix << 1 == 0) return Float.NEGATIVE_INFINITY;
            if (ix == 0x7f800000) return x; // log(+inf)
            if (ix < 0 || Integer.compareUnsigned(ix << 1, 0xff000000) >= 0) return Float.NaN;
            // subnormal: scale into the normal range and correct the exponent
            ix = Float.floatToRawIntBits(x * 0x1p23f) - (23 << 23);
        }
        int tmp = ix - LOG_OFF;
        int i = (tmp >>> (23 - LOG_TABLE_BITS)) & ((1 << LOG_TABLE_BITS) - 1);
        int k = tmp >> 23; // exponent relative to the [OFF, 2·OFF) window
        int iz = ix - (tmp & 0xff800000);
        double z = Float.intBitsToFloat(iz);

        double r = madd(z, LOG_INVC[i], -1.0, fused);
        double y0 = madd(k, LN2, LOG_LOGC[i], fused);
        double r2 = r * r;
        double y = madd(LOG_A1, r, LOG_A2, fused);
        y = madd(LOG_A0, r2, y, fused);
        y = madd(y, r2, y0 + r, fused);
        return (float) y;
    }

    // ---------------------------------------------------------------- sinf / cosf

    private static final double HPI_INV_2P24 = 0x1.45F306DC9C883p+23; // 2/π · 2^24
    private static final double HPI = 0x1.921FB54442D18p0; // π/2
    private static final double PI63 = 0x1.921FB54442D18p-62; // 2π · 2^-64
    private static final double[] SIGN = {1.0, -1.0, -1.0, 1.0};
    // cos(x) ≈ c0 + c1 x² + c2 x⁴ + c3 x⁶ + c4 x⁸ (the second table holds −cos), sin(x) ≈ x + s1 x³ + s2 x⁵ + s3 x⁷
    private static final double C0 = 0x1p0;
    private static final double C1 = -0x1.ffffffd0c621cp-2;
    private static final double C2 = 0x1.55553e1068f19p-5;
    private static final double C3 = -0x1.6c087e89a359dp-10;
    private static final double C4 = 0x1.99343027bf8c3p-16;
    private static final double S1 = -0x1.555545995a603p-3;
    private static final double S2 = 0x1.1107605230bc4p-7;
    private static final double S3 = -0x1.994eb3774cf24p-13;
    /** 4/π in 192 bits; each entry adds 8 new bits so that any 4 consecutive words form a 96-bit window. */
    private static final int[] INV_PIO4 = {
        0xa2, 0xa2f9, 0xa2f983, 0xa2f9836e, 0xf9836e4e, 0x836e4e44, 0x6e4e4415, 0x4e441529,
        0x441529fc, 0x1529fc27, 0x29fc2757, 0xfc2757d1, 0x2757d1f5, 0x57d1f534, 0xd1f534dd, 0xf534ddc0,
        0x34ddc0db, 0xddc0db62, 0xc0db6295, 0xdb629599, 0x6295993c, 0x95993c43, 0x993c4390, 0x3c439041,
    };

    /** Sign bit cleared, exponent and top 3 mantissa bits: a cheap magnitude class. */
    private static int abstop12(float x) {
        return (Float.floatToRawIntBits(x) >>> 20) & 0x7ff;
    }

    private static final int TOP_PIO4 = abstop12((float) 0x1.921FB54442D18p-1);
    private static final int TOP_TINY = abstop12(0x1p-12f);
    private static final int TOP_120 = abstop12(120f);
    private static final int TOP_INF = abstop12(Float.POSITIVE_INFINITY);

    /** glibc {@code sinf}. */
    static float sinf(float y) {
        return sinOrCos(y, false, false);
    }

    /** glibc {@code cosf}. */
    static float cosf(float y) {
        return sinOrCos(y, true, false);
    }

    static float sinOrCos(float y, boolean cos, boolean fused) {
        double x = y;
        int top = abstop12(y);
        if (top < TOP_PIO4) {
            if (top < TOP_TINY) return cos ? 1f : y;
            return poly(x, x * x, false, cos ? 1 : 0, fused);
        }
        int n; // quadrant for the polynomial choice
        int q; // quadrant for the sign (includes the sign of y on the large path)
        if (top < TOP_120) {
            // one multiply-subtract by π/2; the quadrant is rounded to nearest via bits 24..31
            double r = x * HPI_INV_2P24;
            n = ((int) r + 0x800000) >> 24;
            x = madd(-n, HPI, x, fused);
            q = n;
        } else if (top < TOP_INF) {
            int xi = Float.floatToRawIntBits(y);
            long[] np = new long[1];
            x = reduceLarge(xi, np);
            n = (int) np[0];
            q = n + (xi >>> 31);
        } else {
            return Float.NaN;
        }
        double s = SIGN[q & 3];
        boolean negCos = (q & 2) != 0;
        return poly(x * s, x * x, negCos, cos ? n ^ 1 : n, fused);
    }

    /** Exact 2.62 fixed-point reduction by π/2 for large |y| using 96 bits of 4/π. */
    private static double reduceLarge(int xi, long[] np) {
        int base = (xi >>> 26) & 15;
        int shift = (xi >>> 23) & 7;
        long m = ((xi & 0xffffff) | 0x800000) & 0xffffffffL;
        m = (m << shift) & 0xffffffffL;
        long res0 = (m * (INV_PIO4[base] & 0xffffffffL)) & 0xffffffffL; // 32-bit product in C
        long res1 = m * (INV_PIO4[base + 4] & 0xffffffffL);
        long res2 = m * (INV_PIO4[base + 8] & 0xffffffffL);
        res0 = (res2 >>> 32) | (res0 << 32);
        res0 += res1;
        long n = (res0 + (1L << 61)) >>> 62;
        res0 -= n << 62;
        np[0] = n;
        return (double) res0 * PI63;
    }

    /** sin (n even) or cos (n odd) polynomial on the reduced argument; negCos selects the −cos table. */
    private static float poly(double x, double x2, boolean negCos, int n, boolean fused) {
        if ((n & 1) == 0) {
            double x3 = x * x2;
            double s1 = madd(x2, S3, S2, fused);
            double x7 = x3 * x2;
            double s = madd(x3, S1, x, fused);
            return (float) madd(x7, s1, s, fused);
        }
        double g = negCos ? -1.0 : 1.0; // the second table stores the negated cosine coefficients
        double x4 = x2 * x2;
        double c2 = madd(x2, g * C4, g * C3, fused);
        double c1 = madd(x2, g * C1, g * C0, fused);
        double x6 = x4 * x2;
        double c = madd(x4, g * C2, c1, fused);
        return (float) madd(x6, c2, c, fused);
    }
}
