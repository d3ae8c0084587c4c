package dev.sprint.core.nn;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;

/** diffusers' text-mask handling: a 0/1 key mask becomes an additive bias before the softmax. */
public final class AttentionMask {
    private AttentionMask() {}

    /** {@code (1 − mask)·(−10000)} shaped (B, 1, 1, L), broadcast over heads and queries; null for no mask. */
    public static Tensor bias(TensorBackend be, long[][] mask) {
        if (mask == null) return null;
        int b = mask.length;
        int l = b == 0 ? 0 : mask[0].length;
        float[] v = new float[b * l];
        for (int i = 0; i < b; i++) {
            if (mask[i].length != l) throw new InvalidRequestException("ragged attention mask");
            for (int j = 0; j < l; j++) v[i * l + j] = (1 - mask[i][j]) * -10000f;
        }
        return be.fromFloats(v, b, 1, 1, l);
    }
}
