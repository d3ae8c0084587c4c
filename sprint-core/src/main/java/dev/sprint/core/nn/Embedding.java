package dev.sprint.core.nn;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.tensor.Tensor;

/** {@code nn.Embedding}: rows of weight (num, dim) selected by I64 ids of any shape. */
public final class Embedding {
    private final Tensor weight;

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

    /**
     * Token ids {@code [B][L]} as one row-major array, checked: every row as long as the first and every
     * id inside a table of {@code vocab} rows ({@link InvalidRequestException} otherwise, naming {@code model}).
     */
    public static long[] flatIds(long[][] ids, long vocab, String model) {
        int len = ids[0].length;
        long[] flat = new long[ids.length * len];
        for (int i = 0; i < ids.length; i++) {
            if (ids[i].length != len) throw new InvalidRequestException("ragged token batch");
            for (int j = 0; j < len; j++) {
                long id = ids[i][j];
                if (id < 0 || id >= vocab) {
                    throw new InvalidRequestException("token id " + id + " outside the " + model + " vocabulary of " + vocab);
                }
                flat[i * len + j] = id;
            }
        }
        return flat;
    }
}
