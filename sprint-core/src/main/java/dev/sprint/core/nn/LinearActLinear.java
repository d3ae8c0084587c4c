package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** {@code linear_1 → act → linear_2}, both with bias: the shape of diffusers' small embedding MLPs. */
abstract class LinearActLinear {
    private final Linear linear1;
    private final Linear linear2;
    private final Activation act;

    LinearActLinear(Weights w, long in, long hidden, long out, Activation act) {
        this.linear1 = new Linear(w.sub("linear_1"), in, hidden, true);
        this.linear2 = new Linear(w.sub("linear_2"), hidden, out, true);
        this.act = act;
    }

    public Tensor forward(Tensor x) {
        return linear2.forward(act.apply(linear1.forward(x)));
    }
}
