package dev.sprint.swd;

import dev.sprint.core.pipeline.LatentRgbFactors;

/** The SD3 latent→RGB projection for previews. */
final class Sd3Previews {
    private Sd3Previews() {}

    /**
     * Stability AI's own factors for SD3's 16-channel latents (after shift and scaling), from
     * {@code SD3LatentFormat.decode_latent_to_preview} in github.com/Stability-AI/sd3.5 {@code sd3_impls.py} (MIT), the
     * ones stable-diffusion.cpp uses for SD3 too; no bias.
     */
    static final LatentRgbFactors FACTORS = new LatentRgbFactors(new float[][] {
            {-0.0645f, 0.0177f, 0.1052f}, {0.0028f, 0.0312f, 0.0650f},
            {0.1848f, 0.0762f, 0.0360f}, {0.0944f, 0.0360f, 0.0889f},
            {0.0897f, 0.0506f, -0.0364f}, {-0.0020f, 0.1203f, 0.0284f},
            {0.0855f, 0.0118f, 0.0283f}, {-0.0539f, 0.0658f, 0.1047f},
            {-0.0057f, 0.0116f, 0.0700f}, {-0.0412f, 0.0281f, -0.0039f},
            {0.1106f, 0.1171f, 0.1220f}, {-0.0248f, 0.0682f, -0.0481f},
            {0.0815f, 0.0846f, 0.1207f}, {-0.0120f, -0.0055f, -0.0867f},
            {-0.0749f, -0.0634f, -0.0456f}, {-0.1418f, -0.1457f, -0.1259f}},
            new float[] {0f, 0f, 0f}, "Stability-AI/sd3.5 sd3_impls.py");
}
