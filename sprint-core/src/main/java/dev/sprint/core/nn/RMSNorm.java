package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/**
 * RMSNorm over the last axis: x·rsqrt(mean(x²)+eps)·weight (+bias), diffusers' {@code RMSNorm(dim, eps,
 * elementwise_affine, bias)}. Gemma's (1+w) variant is built with {@link #gemma}.
 */
public final class RMSNorm {
    private final Tensor weight;
    private final Tensor bias;
    private final double eps;

    /** Affine without bias (diffusers' default {@code bias=False}). */
    public RMSNorm(Weights w, long dim, double eps, boolean affine) {
        this(w, dim, eps, affine, false);
    }

    /** @param bias an additive bias after the scale (DC-AE's channel norms); only with {@code affine} */
    public RMSNorm(Weights w, long dim, double eps, boolean affine, boolean bias) {
        this.weight = affine ? w.take("weight", dim) : null;
        this.bias = affine && bias ? w.take("bias", dim) : null;
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
        return bias == null ? y : y.add(bias);
    }
}
