package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** {@code nn.Linear}: weight (out, in), and a bias (out) when the model's config says it has one. */
public final class Linear {
    private final Tensor weight;
    private final Tensor bias;

    public Linear(Weights w, long in, long out, boolean bias) {
        this.weight = w.take("weight", out, in);
        this.bias = bias ? w.take("bias", out) : null;
    }

    public Tensor forward(Tensor x) {
        return x.backend().linear(x, weight, bias);
    }
}
