package dev.sprint.core.nn;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code nn.Embedding} looked up on the host, straight from the checkpoint: only the rows the ids select are
 * read and converted, and the table itself is never uploaded. Gemma-2's table is 256000×2304 (1.2 GB as bf16,
 * 2.4 GB as float32) while a prompt uses a few hundred rows; the lookup result is the same as
 * {@code index_select} on the device (bf16/f16 → f32 is exact).
 */
public final class Embedding {
    private final TensorData weight;
    private final long num;
    private final long dim;

    public Embedding(Weights w, long num, long dim) {
        this.weight = w.data("weight", num, dim);
        this.num = num;
        this.dim = dim;
    }

    /** Rows of the table. */
    public long num() {
        return num;
    }

    /** Width of a row. */
    public long dim() {
        return dim;
    }

    /**
     * The rows of {@code ids} (each in [0, num)) as one float32 host tensor of shape {@code shape ++ [dim]}
     * (shape's product must equal ids.length).
     */
    public HostTensor lookup(long[] ids, long... shape) {
        int d = Math.toIntExact(dim);
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(ids.length, d * 4)).order(ByteOrder.LITTLE_ENDIAN);
        for (long id : ids) {
            if (id < 0 || id >= num) throw new InvalidRequestException("token id " + id + " outside the table of " + num + " rows");
            weight.readAs(DType.F32, id * dim, d, out);
        }
        out.flip();
        long[] s = java.util.Arrays.copyOf(shape, shape.length + 1);
        s[shape.length] = dim;
        return new HostTensor(DType.F32, s, out);
    }

    /** The embeddings of token ids {@code [B][L]} as a (B, L, dim) tensor in the backend's float type. */
    public Tensor forward(TensorBackend backend, long[][] ids, String model) {
        long[] flat = flatIds(ids, num, model);
        return backend.upload(lookup(flat, ids.length, ids[0].length), backend.floatType());
    }

    /**
     * Token ids {@code [B][L]} as one row-major array, checked: every row as long as the first and every
     * id inside a table of {@code vocab} rows ({@link InvalidRequestException} otherwise, naming {@code model}).
     */
    public static long[] flatIds(long[][] ids, long vocab, String model) {
        if (ids.length == 0) throw new InvalidRequestException("empty token batch");
        int len = ids[0].length;
        long[] flat = new long[Math.multiplyExact(ids.length, len)];
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
