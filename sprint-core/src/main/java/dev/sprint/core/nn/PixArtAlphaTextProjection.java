package dev.sprint.core.nn;

/**
 * diffusers' {@code PixArtAlphaTextProjection(in_features, hidden_size, act_fn)}: linear_1 → act → linear_2
 * (Sana's caption projection with tanh-GELU, SD3's pooled-text embedder with SiLU).
 */
public final class PixArtAlphaTextProjection extends LinearActLinear {
    public PixArtAlphaTextProjection(Weights w, long in, long hidden, Activation act) {
        super(w, in, hidden, hidden, act);
    }
}
