package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** {@code nn.LayerNorm} over the last axis; affine parameters optional. */
public final class LayerNorm {
    public final Tensor weight;
    public final Tensor bias;
    private final double eps;

    public LayerNorm(Weights w, long dim, double eps, boolean affine) {
        this.weight = affine ? w.take("weight", dim) : null;
        this.bias = affine && w.has("bias") ? w.take("bias", dim) : null;
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return x.backend().layerNorm(x, weight, bias, eps);
    }
}
