package dev.sprint.core.nn;

/** diffusers' {@code TimestepEmbedding(in_channels, time_embed_dim)}: linear_1 → SiLU → linear_2. */
public final class TimestepEmbedding extends LinearActLinear {
    /**
     * @param w   the module's path ({@code ….timestep_embedder})
     * @param in  projection width ({@link Timesteps#CHANNELS})
     * @param dim embedding width
     */
    public TimestepEmbedding(Weights w, long in, long dim) {
        super(w, in, dim, dim, Activation.SILU);
    }
}
