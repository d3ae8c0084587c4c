package dev.sprint.core.nn;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.tensor.Tensor;

/**
 * diffusers' {@code AdaLayerNormSingle} (PixArt-α, base Sana): {@code emb.timestep_embedder} embeds the
 * timestep projection, {@code linear} maps SiLU of it to the 6·D modulation table.
 */
public final class AdaLayerNormSingle implements TimestepConditioning {
    private final TimestepEmbedding embTimestepEmbedder;
    private final Linear linear;

    public AdaLayerNormSingle(Weights w, long dim) {
        embTimestepEmbedder = new TimestepEmbedding(w.sub("emb").sub("timestep_embedder"), Timesteps.CHANNELS, dim);
        linear = new Linear(w.sub("linear"), dim, 6 * dim, true);
    }

    @Override
    public Output forward(Tensor timestepProj, Tensor guidanceProj) {
        if (guidanceProj != null) throw new InvalidRequestException("this model has no guidance embedder");
        Tensor embedded = embTimestepEmbedder.forward(timestepProj);
        return new Output(linear.forward(embedded.backend().silu(embedded)), embedded);
    }
}
