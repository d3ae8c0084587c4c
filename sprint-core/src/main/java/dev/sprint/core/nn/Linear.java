package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** {@code nn.Linear}: weight (out, in), optional bias (out). */
public final class Linear {
    public final Tensor weight;
    public final Tensor bias;

    public Linear(Weights w, long in, long out, boolean bias) {
        this.weight = w.take("weight", out, in);
        this.bias = bias ? w.take("bias", out) : null;
    }

    /** Loads with a bias if the checkpoint has one. */
    public static Linear load(Weights w, long in, long out) {
        return new Linear(w, in, out, w.has("bias"));
    }

    public Tensor forward(Tensor x) {
        return x.backend().linear(x, weight, bias);
    }
}
