package dev.sprint.core.tensor;

import java.util.List;

/**
 * Weight data that is a base weight plus low-rank terms, {@code W + Σ factor·(B·A)} (fused LoRA adapters). Reading it
 * as plain {@link TensorData} gives the merged values; a backend that multiplies fast may instead upload the base and
 * the small factors and merge them itself, which matters when a low-memory plan rebuilds a streamed block at every
 * step (SD3.5-Large with its SwD adapter: 8 B parameters re-merged per step).
 */
public interface LowRankUpdate extends TensorData {
    /** The weight before the update. */
    TensorData base();

    /** The terms, applied one after another. */
    List<Term> terms();

    /**
     * One low-rank term: {@code factor·(B·A)} with B (out, r[, 1, 1]) and A (r, in[, kh, kw]), reshaped to the base's
     * shape; transposed (PEFT's {@code fan_in_fan_out}) for a 2-D base stored as (in, out).
     */
    record Term(HostTensor a, HostTensor b, double factor, boolean transposed) {}
}
