package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** {@code nn.GroupNorm} on (N, C, ...). */
public final class GroupNorm {
    private final Tensor weight;
    private final Tensor bias;
    private final int groups;
    private final double eps;

    public GroupNorm(Weights w, int groups, long channels, double eps) {
        this.weight = w.take("weight", channels);
        this.bias = w.take("bias", channels);
        this.groups = groups;
        this.eps = eps;
    }

    public Tensor forward(Tensor x) {
        return x.backend().groupNorm(x, groups, weight, bias, eps);
    }
}
