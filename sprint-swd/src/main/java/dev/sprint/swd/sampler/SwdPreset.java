package dev.sprint.swd.sampler;

import java.nio.file.Path;
import java.util.List;

/**
 * Scale/sigma tables of the released SwD checkpoints, named by the README that published them: the
 * current (2026) README and the earlier (2025) one differ for the 4-step Medium model, so both are kept.
 * Scales are latent sides (pixels = 8 × scale). As an {@link SwdSpec} a preset names its checkpoint's
 * Hugging Face repo ({@link #repoId()}), found in the local Hugging Face cache; {@link #withWeights(Path)}
 * points it at a downloaded adapter folder instead.
 */
public enum SwdPreset implements SwdSpec {
    /** yresearch/swd-medium-6-steps, both READMEs (the default checkpoint). */
    MEDIUM_6_STEPS("yresearch/swd-medium-6-steps", new int[] {32, 48, 64, 80, 96, 128}, new float[] {1.0f, 0.9454f, 0.8959f, 0.7904f, 0.7371f, 0.6022f, 0f}),
    /** yresearch/swd-medium-4-steps as the 2026 README lists it. */
    MEDIUM_4_STEPS_2026("yresearch/swd-medium-4-steps", new int[] {64, 80, 96, 128}, new float[] {1.0f, 0.8959f, 0.7371f, 0.6022f, 0f}),
    /** yresearch/swd-medium-4-steps as the 2025 README listed it ("SwD 2B, 4 steps"). */
    MEDIUM_4_STEPS_2025("yresearch/swd-medium-4-steps", new int[] {32, 64, 96, 128}, new float[] {1.0f, 0.9454f, 0.7904f, 0.6022f, 0f}),
    /** yresearch/swd-large-4-steps, both READMEs. */
    LARGE_4_STEPS("yresearch/swd-large-4-steps", new int[] {64, 80, 96, 128}, new float[] {1.0f, 0.8959f, 0.7371f, 0.6022f, 0f}),
    /** yresearch/swd-large-6-steps (2025 README only). */
    LARGE_6_STEPS_2025("yresearch/swd-large-6-steps", new int[] {32, 48, 64, 80, 96, 128}, new float[] {1.0f, 0.9454f, 0.8959f, 0.7904f, 0.7371f, 0.6022f, 0f});

    private final String repoId;
    private final int[] scales;
    private final float[] sigmas;

    SwdPreset(String repoId, int[] scales, float[] sigmas) {
        this.repoId = repoId;
        this.scales = scales;
        this.sigmas = sigmas;
    }

    /** The Hugging Face repo of the released adapter. */
    public String repoId() {
        return repoId;
    }

    /** The repo id: the adapter is looked up in the Hugging Face cache when the pipeline opens. */
    @Override
    public String weights() {
        return repoId;
    }

    @Override
    public List<int[]> scales() {
        return schedule().scales();
    }

    @Override
    public float[] sigmas() {
        return sigmas.clone();
    }

    /** This preset's table with the adapter from a local folder. */
    public SwdConfig withWeights(Path adapterFolder) {
        return new SwdConfig(adapterFolder.toString(), schedule());
    }

    /** Parses a preset name case-insensitively, with '-' or '_' ("medium-6-steps"). */
    public static SwdPreset parse(String name) {
        String n = name.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_');
        for (SwdPreset p : values()) if (p.name().equals(n)) return p;
        throw new dev.sprint.api.InvalidRequestException("unknown SwD preset '" + name + "'; presets: "
                + java.util.Arrays.toString(values()).toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
    }

    /** The square table at the released resolution (1024 px for the last scale 128). */
    public ScaleSchedule schedule() {
        return ScaleSchedule.square(name().toLowerCase(java.util.Locale.ROOT), scales, sigmas);
    }

    /**
     * The table for a non-square final latent (h, w): every scale keeps its ratio to the final square
     * scale, rounded to a multiple of {@code multiple} (the patch size). A documented generalisation:
     * the authors' code only passes square sizes.
     */
    public ScaleSchedule schedule(int finalHeight, int finalWidth, int multiple) {
        return schedule().rescaledTo(finalHeight, finalWidth, multiple);
    }
}
