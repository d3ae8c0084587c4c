package dev.sprint.controlnet;

import dev.sprint.core.tensor.Tensor;
import java.util.List;

/**
 * The three sprint-core models the ControlNet pipeline drives, seen through the narrow interfaces it
 * needs. {@link SanaControlNetFamily} adapts sprint-core's Sana transformer, DC-AE and Gemma text
 * encoder to them; tests can plug in the same models directly.
 */
public final class SanaComponents {
    private SanaComponents() {}

    /** Prompt embeddings after Sana's token selection: (B, L, caption_channels) and the mask {@code [B][L]}. */
    public record Embeddings(Tensor embeds, long[][] mask) {}

    /** Gemma-2 prompt encoding with Sana's token rule ({@code SanaPromptTokens}). */
    public interface TextEncoder {
        /**
         * @param instruction complex-human-instruction lines; an empty list = none (then no token selection)
         */
        Embeddings encode(List<String> prompts, int maxSequenceLength, List<String> instruction, boolean normalize);
    }

    /** The base (non-Sprint) Sana transformer: velocity for latents at diffusers timesteps (0..1000). */
    public interface Denoiser {
        int inChannels();

        int sampleSize();

        /**
         * @param residuals ControlNet block samples (already scaled), added after blocks 1..n; empty for none
         */
        Tensor forward(Tensor latents, float[] timestep, Tensor text, long[][] mask, List<Tensor> residuals);
    }

    /** DC-AE. */
    public interface Autoencoder {
        /** {@code encode(x).latent} of an image batch in [−1, 1] (not yet multiplied by the scaling factor). */
        Tensor encode(Tensor image);

        Tensor decode(Tensor latents);

        double scalingFactor();

        /** Pixels per latent cell (32 for DC-AE f32). */
        int spatialCompression();
    }
}
