package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/**
 * RMSNorm over the last axis: x·rsqrt(mean(x²)+eps)·weight (+bias). Gemma's (1+w) variant is built
 * with {@link #gemma}.
 */
public final class RMSNorm {
    public final Tensor weight;
    public final Tensor bias;
    private final double eps;

    public RMSNorm(Weights w, long dim, double eps, boolean affine) {
        this.weight = affine ? w.take("weight", dim) : null;
        this.bias = affine && w.has("bias") ? w.take("bias", dim) : null;
        this.eps = eps;
    }

    private RMSNorm(Tensor weight, double eps) {
        this.weight = weight;
        this.bias = null;
        this.eps = eps;
    }

    /** Gemma's RMSNorm, which scales by (1 + weight). */
    public static RMSNorm gemma(Weights w, long dim, double eps) {
        return new RMSNorm(w.take("weight", dim).add(1.0), eps);
    }

    public Tensor forward(Tensor x) {
        Tensor y = x.backend().rmsNorm(x, weight, eps);
        return bias == null ? y : x.backend().addInPlace(y, bias);
    }
}
