package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** {@code nn.LayerNorm} over the last axis; whether it has affine parameters comes from the model's config. */
public final class LayerNorm {
    private final Tensor weight;
    private final Tensor bias;
    private final double eps;

    /** {@code nn.LayerNorm(dim, eps, elementwise_affine=affine)}: weight and bias when affine (PyTorch's default bias). */
    public LayerNorm(Weights w, long dim, double eps, boolean affine) {
        this(w, dim, eps, affine, affine);
    }

    /** {@code nn.LayerNorm(dim, eps, elementwise_affine=affine, bias=bias)}. */
    public LayerNorm(Weights w, long dim, double eps, boolean affine, boolean bias) {
        this.weight = affine ? w.take("weight", dim) : null;
        this.bias = affine && bias ? w.take("bias", dim) : null;
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return x.backend().layerNorm(x, weight, bias, eps);
    }
}
