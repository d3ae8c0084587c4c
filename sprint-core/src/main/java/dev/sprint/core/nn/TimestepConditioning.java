package dev.sprint.core.nn;

import dev.sprint.core.tensor.Tensor;

/**
 * The adaLN-single conditioning of Sana-type transformers: an embedded timestep (and guidance) and its
 * 6·D modulation table ({@link AdaLayerNormSingle}, {@link SanaCombinedTimestepGuidanceEmbeddings}).
 */
public interface TimestepConditioning {
    /**
     * @param modulation (B, 6D): linear(SiLU(embedded))
     * @param embedded   (B, D): the embedded timestep, which the final norm also reads
     */
    record Output(Tensor modulation, Tensor embedded) {}

    /**
     * @param timestepProj (B, 256) sinusoidal projection of the timestep
     * @param guidanceProj (B, 256) projection of the guidance, or null for models without a guidance embedder
     */
    Output forward(Tensor timestepProj, Tensor guidanceProj);
}
