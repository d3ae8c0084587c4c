package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** {@code nn.LayerNorm} over the last axis; whether it has affine parameters comes from the model's config. */
public final class LayerNorm extends Norm {
    /**
     * {@code nn.LayerNorm(dim, eps, elementwise_affine=affine, bias=bias)}; PyTorch's default has the bias
     * whenever it is affine.
     */
    public LayerNorm(Weights w, long dim, double eps, boolean affine, boolean bias) {
        this(take(w, dim, affine, bias), eps);
    }

    private LayerNorm(Tensor[] params, double eps) {
        super(params[0], params[1], eps);
    }

    @Override
    public Tensor forward(Tensor x) {
        return x.backend().layerNorm(x, weight, bias, eps);
    }
}
