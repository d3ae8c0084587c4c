package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;

/**
 * RMSNorm over the last axis: x·rsqrt(mean(x²)+eps)·weight (+bias), diffusers' {@code RMSNorm(dim, eps,
 * elementwise_affine, bias)}. Gemma's (1+w) variant is built with {@link #gemma}.
 */
public final class RMSNorm extends Norm {
    /** Affine without bias (diffusers' default {@code bias=False}). */
    public RMSNorm(Weights w, long dim, double eps, boolean affine) {
        this(w, dim, eps, affine, false);
    }

    /** @param bias an additive bias after the scale (DC-AE's channel norms); only with {@code affine} */
    public RMSNorm(Weights w, long dim, double eps, boolean affine, boolean bias) {
        this(take(w, dim, affine, bias), eps);
    }

    private RMSNorm(Tensor[] params, double eps) {
        super(params[0], params[1], eps);
    }

    /** Gemma's RMSNorm, which scales by (1 + weight). */
    public static RMSNorm gemma(Weights w, long dim, double eps) {
        return new RMSNorm(new Tensor[] {w.take("weight", dim).add(1.0), null}, eps);
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.backend().rmsNorm(x, weight, bias, eps);
    }

    /** {@code acc + forward(x)} into {@code acc}, which is dead afterwards ({@link TensorBackend#addRmsNorm}). */
    public Tensor addTo(Tensor acc, Tensor x) {
        return x.backend().addRmsNorm(acc, x, weight, bias, eps);
    }
}
