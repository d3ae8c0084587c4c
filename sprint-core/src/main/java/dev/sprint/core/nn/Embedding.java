package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/** {@code nn.Embedding}: rows of weight (num, dim) selected by I64 ids of any shape. */
public final class Embedding {
    public final Tensor weight;

    public Embedding(Weights w, long num, long dim) {
        this.weight = w.take("weight", num, dim);
    }

    public Tensor forward(Tensor ids) {
        long[] s = ids.shape();
        long[] out = java.util.Arrays.copyOf(s, s.length + 1);
        out[s.length] = weight.size(1);
        Tensor flat = ids.reshape(ids.numel());
        return weight.backend().indexSelect(weight, 0, flat).reshape(out);
    }
}
