package dev.sprint.core.pipeline;

import dev.sprint.api.ModelLoadException;

/**
 * A linear latent→RGB projection: {@code rgb[k] = Σ_c z[c]·factors[c][k] + bias[k]} per latent cell, on the
 * latents the transformer works on (after the VAE's shift and scaling), giving RGB in ≈[−1, 1].
 *
 * @param factors one row of 3 (R, G, B) weights per latent channel
 * @param bias    R, G, B offsets
 * @param source  where the numbers come from (shown in {@code describe()})
 */
public record LatentRgbFactors(float[][] factors, float[] bias, String source) {
    public LatentRgbFactors {
        for (float[] row : factors) if (row.length != 3) throw new ModelLoadException("latent RGB factors need 3 columns");
        if (bias.length != 3) throw new ModelLoadException("latent RGB bias needs 3 values");
    }

    public int channels() {
        return factors.length;
    }

    /** Projects latents (b, C, h, w) given as floats to (b, 3, h, w) floats. */
    float[] project(float[] z, int batch, int h, int w) {
        int channels = factors.length;
        int plane = h * w;
        float[] out = new float[batch * 3 * plane];
        for (int b = 0; b < batch; b++) {
            for (int k = 0; k < 3; k++) {
                int o = (b * 3 + k) * plane;
                java.util.Arrays.fill(out, o, o + plane, bias[k]);
                for (int c = 0; c < channels; c++) {
                    float f = factors[c][k];
                    int in = (b * channels + c) * plane;
                    for (int p = 0; p < plane; p++) out[o + p] += z[in + p] * f;
                }
            }
        }
        return out;
    }
}
