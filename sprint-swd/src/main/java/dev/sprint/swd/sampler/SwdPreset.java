package dev.sprint.swd.sampler;

/**
 * Scale/sigma tables of the released SwD checkpoints, named by the README that published them: the
 * current (2026) README and the earlier (2025) one differ for the 4-step Medium model, so both are kept.
 * Scales are latent sides (pixels = 8 × scale).
 */
public enum SwdPreset {
    /** yresearch/swd-medium-6-steps, both READMEs (the default checkpoint). */
    MEDIUM_6_STEPS(new int[] {32, 48, 64, 80, 96, 128}, new float[] {1.0f, 0.9454f, 0.8959f, 0.7904f, 0.7371f, 0.6022f, 0f}),
    /** yresearch/swd-medium-4-steps as the 2026 README lists it. */
    MEDIUM_4_STEPS_2026(new int[] {64, 80, 96, 128}, new float[] {1.0f, 0.8959f, 0.7371f, 0.6022f, 0f}),
    /** yresearch/swd-medium-4-steps as the 2025 README listed it ("SwD 2B, 4 steps"). */
    MEDIUM_4_STEPS_2025(new int[] {32, 64, 96, 128}, new float[] {1.0f, 0.9454f, 0.7904f, 0.6022f, 0f}),
    /** yresearch/swd-large-4-steps, both READMEs. */
    LARGE_4_STEPS(new int[] {64, 80, 96, 128}, new float[] {1.0f, 0.8959f, 0.7371f, 0.6022f, 0f}),
    /** yresearch/swd-large-6-steps (2025 README only). */
    LARGE_6_STEPS_2025(new int[] {32, 48, 64, 80, 96, 128}, new float[] {1.0f, 0.9454f, 0.8959f, 0.7904f, 0.7371f, 0.6022f, 0f});

    private final int[] scales;
    private final float[] sigmas;

    SwdPreset(int[] scales, float[] sigmas) {
        this.scales = scales;
        this.sigmas = sigmas;
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
        int last = scales[scales.length - 1];
        java.util.List<int[]> out = new java.util.ArrayList<>();
        for (int s : scales) {
            int h = Math.max(multiple, Math.round((float) s * finalHeight / last / multiple) * multiple);
            int w = Math.max(multiple, Math.round((float) s * finalWidth / last / multiple) * multiple);
            out.add(new int[] {h, w});
        }
        return new ScaleSchedule(name().toLowerCase(java.util.Locale.ROOT) + "@" + finalHeight + "x" + finalWidth, out, sigmas);
    }
}
