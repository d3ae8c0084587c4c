package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** A normalisation over the last axis with optional affine weight and bias (which ones the config decides). */
abstract class Norm {
    final Tensor weight;
    final Tensor bias;
    final double eps;

    Norm(Tensor weight, Tensor bias, double eps) {
        this.weight = weight;
        this.bias = bias;
        this.eps = eps;
    }

    /** The weight (when {@code affine}) and bias (when {@code affine && bias}) of a norm of width {@code dim}. */
    static Tensor[] take(Weights w, long dim, boolean affine, boolean bias) {
        return new Tensor[] {affine ? w.take("weight", dim) : null, affine && bias ? w.take("bias", dim) : null};
    }

    public abstract Tensor forward(Tensor x);
}
