package dev.sprint.core.nn;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.tensor.Tensor;

/**
 * diffusers' {@code SanaCombinedTimestepGuidanceEmbeddings} (SANA-Sprint): timestep and guidance are embedded
 * separately and summed; {@code linear} maps SiLU of the sum to the 6·D modulation table.
 */
public final class SanaCombinedTimestepGuidanceEmbeddings implements TimestepConditioning {
    private final TimestepEmbedding timestepEmbedder;
    private final TimestepEmbedding guidanceEmbedder;
    private final Linear linear;

    public SanaCombinedTimestepGuidanceEmbeddings(Weights w, long dim) {
        timestepEmbedder = new TimestepEmbedding(w.sub("timestep_embedder"), Timesteps.CHANNELS, dim);
        guidanceEmbedder = new TimestepEmbedding(w.sub("guidance_embedder"), Timesteps.CHANNELS, dim);
        linear = new Linear(w.sub("linear"), dim, 6 * dim, true);
    }

    @Override
    public Output forward(Tensor timestepProj, Tensor guidanceProj) {
        if (guidanceProj == null) throw new InvalidRequestException("this model embeds guidance: a guidance value per sample is required");
        Tensor embedded = timestepEmbedder.forward(timestepProj).add(guidanceEmbedder.forward(guidanceProj));
        return new Output(linear.forward(embedded.backend().silu(embedded)), embedded);
    }
}
