package dev.sprint.core.pipeline;

import java.security.SecureRandom;

/**
 * The one seed rule of every pipeline and the CLI: a request's seed, else the pipeline's default seed, else
 * a fresh random seed in [0, 2³²) (printable, and what {@code torch.Generator().manual_seed} takes
 * everywhere). The seed used is reported in {@link dev.sprint.api.GenerationResult#seed()} and each image's
 * provenance, so a random run can be repeated.
 */
public final class Seeds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Seeds() {}

    /** A new random seed in [0, 2³²). */
    public static long random() {
        return RANDOM.nextLong() & 0xFFFFFFFFL;
    }

    /** The seed to use: {@code requested} if set, else {@link #random()}. */
    public static long resolve(Long requested) {
        return requested != null ? requested : random();
    }
}
