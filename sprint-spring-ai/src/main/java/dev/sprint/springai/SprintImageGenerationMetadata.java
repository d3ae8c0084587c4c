package dev.sprint.springai;

import dev.sprint.api.Provenance;
import java.util.Objects;
import org.springframework.ai.image.ImageGenerationMetadata;

/**
 * What Sprint reports with each generated image: the seed and settings that reproduce it, and its full
 * {@link Provenance}.
 */
public final class SprintImageGenerationMetadata implements ImageGenerationMetadata {
    private final Provenance provenance;

    /** @param provenance how the image was made */
    public SprintImageGenerationMetadata(Provenance provenance) {
        this.provenance = Objects.requireNonNull(provenance, "provenance");
    }

    /**
     * Seed of the generator that drew the call's noise: the same prompt, options and seed reproduce the image
     * (the {@link #getImageIndex() n-th image} of the call).
     */
    public Long getSeed() {
        return provenance.seed();
    }

    /** Position of this image among the images of its call (0 for the first). */
    public int getImageIndex() {
        String i = provenance.extras().get("image_index");
        return i == null ? 0 : Integer.parseInt(i);
    }

    /** Sampler steps run. */
    public int getSteps() {
        return provenance.steps();
    }

    public int getWidth() {
        return provenance.width();
    }

    public int getHeight() {
        return provenance.height();
    }

    /** Model, pipeline class, backend, prompt and the family's extra settings. */
    public Provenance getProvenance() {
        return provenance;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SprintImageGenerationMetadata m && provenance.equals(m.provenance);
    }

    @Override
    public int hashCode() {
        return provenance.hashCode();
    }

    @Override
    public String toString() {
        return "SprintImageGenerationMetadata{seed=" + getSeed() + ", imageIndex=" + getImageIndex() + ", steps="
                + getSteps() + ", size=" + getWidth() + "x" + getHeight() + ", backend=" + provenance.backend() + "}";
    }
}
