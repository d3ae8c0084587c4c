package dev.sprint.core.rng;

import dev.sprint.api.InvalidRequestException;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * A random generator that reproduces PyTorch's CPU generator stream:
 * {@code g = torch.Generator().manual_seed(seed)} followed by any sequence of
 * {@code torch.randn(shape, generator=g)} and {@code torch.rand(shape, generator=g)} in float32
 * gives the same numbers here, draw after draw (PyTorch 1.13 and 2.x CPU semantics).
 *
 * <ul>
 *   <li>Engine: MT19937 seeded with {@code init_genrand} from the low 32 bits of the seed;
 *       {@link #nextRaw32()} is one output, {@link #nextRaw64()} joins two (first draw high).</li>
 *   <li>{@code rand}: each element takes one 32-bit draw {@code v} and is {@code (v & 0xFFFFFF)·2⁻²⁴}.</li>
 *   <li>{@code randn} with at least 16 elements: all uniforms are drawn first, then each block of 16 is
 *       turned into normals by float Box–Muller ({@code u1 = 1 − d[j]}, {@code u2 = d[j+8]}); when the
 *       count is not a multiple of 16 the last 16 slots are refilled with 16 new uniforms and
 *       transformed again.</li>
 *   <li>{@code randn} with fewer than 16 elements: each element is a double-precision Box–Muller sample
 *       from two 53-bit uniforms; the sine half is kept and returned by the next such element (the
 *       cache survives between calls, like PyTorch's {@code next_double_normal_sample}).</li>
 * </ul>
 *
 * <p>The float block transform depends on how PyTorch was built and on the CPU: see
 * {@link CpuCapability}. The default, {@link CpuCapability#DEFAULT}, is PyTorch's scalar kernel (also what
 * AVX-512 and ARM builds run); {@link CpuCapability#AVX2} reproduces the AVX2 kernel that x86-64 wheels
 * use on CPUs with AVX2 but without AVX-512. {@code rand} and all draws of fewer than 16 normals are the
 * same for both.
 *
 * <p>Instances are cheap (one 2.5 KB state), hold no global state and are <b>not thread-safe</b>: use one
 * generator per thread or per image, as PyTorch code passes one {@code torch.Generator} per image.
 */
public final class TorchGenerator {

    /** Which of PyTorch's float normal kernels to reproduce (the {@code ATEN_CPU_CAPABILITY} it dispatched to). */
    public enum CpuCapability {
        /**
         * The scalar kernel with glibc {@code logf/cosf/sinf}: {@code ATEN_CPU_CAPABILITY=default}, AVX-512
         * dispatch, and non-x86 builds.
         */
        DEFAULT,
        /** The AVX2 kernel ({@code normal_fill_16_AVX2} with avx_mathfun {@code log256_ps/sincos256_ps}). */
        AVX2
    }

    private static final float TWO_PI_F = (float) (2.0 * Math.PI);

    private final long seed;
    private final CpuCapability capability;
    private final Mt19937 engine;
    private boolean hasNextNormal;
    private double nextNormal;
    private final float[] sincos = new float[2];

    /** Same as {@code torch.Generator().manual_seed(seed)} with the {@link CpuCapability#DEFAULT} kernel. */
    public TorchGenerator(long seed) {
        this(seed, CpuCapability.DEFAULT);
    }

    /**
     * @param seed the seed as given to {@code manual_seed} (negative values are the two's-complement
     *     uint64, as in PyTorch; only the low 32 bits reach the Mersenne Twister)
     * @param capability which float normal kernel to reproduce
     */
    public TorchGenerator(long seed, CpuCapability capability) {
        if (capability == null) throw new InvalidRequestException("capability must not be null");
        this.seed = seed;
        this.capability = capability;
        this.engine = new Mt19937(seed);
    }

    /**
     * A fresh seed for "no seed given", read from the operating system's entropy source (as
     * {@code torch.seed()} does). Record the returned value (e.g. in the image's provenance) and pass it to
     * {@link #TorchGenerator(long)} so the result can be reproduced; only its low 32 bits matter to the stream.
     */
    public static long seedFromEntropy() {
        return new SecureRandom().nextLong();
    }

    /** The seed this generator was created with. */
    public long seed() {
        return seed;
    }

    /** The float normal kernel this generator reproduces. */
    public CpuCapability capability() {
        return capability;
    }

    /** The next raw 32-bit Mersenne Twister output, in [0, 2³²). */
    public long nextRaw32() {
        return engine.nextInt() & 0xffffffffL;
    }

    /** PyTorch's {@code random64()}: two 32-bit outputs, the first in the high half. */
    public long nextRaw64() {
        long hi = engine.nextInt() & 0xffffffffL;
        long lo = engine.nextInt() & 0xffffffffL;
        return (hi << 32) | lo;
    }

    /** {@code torch.rand(shape, generator=g)} in float32, row-major: uniform in [0, 1) on a 2⁻²⁴ grid. */
    public float[] rand(long... shape) {
        float[] out = new float[numel(shape)];
        for (int i = 0; i < out.length; i++) out[i] = nextUniformFloat();
        return out;
    }

    /** {@code torch.randn(shape, generator=g)} in float32, row-major. */
    public float[] randn(long... shape) {
        int n = numel(shape);
        float[] d = new float[n];
        if (n >= 16) {
            for (int i = 0; i < n; i++) d[i] = nextUniformFloat();
            for (int i = 0; i + 16 <= n; i += 16) normalFill16(d, i);
            if (n % 16 != 0) {
                // PyTorch redraws the last 16 slots instead of handling a partial block
                int off = n - 16;
                for (int i = 0; i < 16; i++) d[off + i] = nextUniformFloat();
                normalFill16(d, off);
            }
        } else {
            for (int i = 0; i < n; i++) d[i] = (float) nextDoubleNormal();
        }
        return d;
    }

    /** uniform_real_distribution&lt;float&gt;(0, 1): 24 random bits of one 32-bit draw. */
    private float nextUniformFloat() {
        return (engine.nextInt() & 0xFFFFFF) * 0x1p-24f;
    }

    /** uniform_real_distribution&lt;double&gt;(0, 1): 53 random bits of one random64() draw. */
    private double nextUniformDouble() {
        return (nextRaw64() & ((1L << 53) - 1)) * 0x1p-53;
    }

    /** normal_distribution&lt;double&gt;(0, 1) with the generator's cached second sample (PyTorch 1.13 form). */
    private double nextDoubleNormal() {
        if (hasNextNormal) {
            hasNextNormal = false;
            return nextNormal;
        }
        double u1 = nextUniformDouble();
        double u2 = nextUniformDouble();
        double r = Math.sqrt(-2.0 * StrictMath.log(1.0 - u2));
        double theta = 2.0 * Math.PI * u1;
        nextNormal = r * StrictMath.sin(theta);
        hasNextNormal = true;
        return r * StrictMath.cos(theta);
    }

    /** Box–Muller on 16 uniforms in place: d[j], d[j+8] ← r·cos θ, r·sin θ for j &lt; 8. */
    private void normalFill16(float[] d, int off) {
        for (int j = 0; j < 8; j++) {
            float u1 = 1f - d[off + j]; // [0, 1) → (0, 1] for the log
            float u2 = d[off + j + 8];
            float cos;
            float sin;
            float radius;
            if (capability == CpuCapability.AVX2) {
                radius = (float) Math.sqrt(-2f * AvxMathFun.log(u1));
                float theta = TWO_PI_F * u2;
                AvxMathFun.sincos(theta, sincos);
                sin = sincos[0];
                cos = sincos[1];
            } else {
                radius = (float) Math.sqrt(-2f * GlibcFloatMath.logf(u1));
                float theta = (float) (2.0 * Math.PI * u2); // computed in double, stored as float
                cos = GlibcFloatMath.cosf(theta);
                sin = GlibcFloatMath.sinf(theta);
            }
            // "* std + mean" with std = 1, mean = 0 (the + 0 turns −0 into +0 as PyTorch does)
            d[off + j] = radius * cos + 0f;
            d[off + j + 8] = radius * sin + 0f;
        }
    }

    private static int numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) throw new InvalidRequestException("negative dimension in shape " + Arrays.toString(shape));
            n = Math.multiplyExact(n, s);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new InvalidRequestException("shape " + Arrays.toString(shape) + " has too many elements for one array");
        }
        return (int) n;
    }
}
