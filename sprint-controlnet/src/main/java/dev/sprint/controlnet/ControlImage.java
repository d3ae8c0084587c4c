package dev.sprint.controlnet;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.RequestOption;
import java.awt.image.BufferedImage;

/**
 * The control image of one ControlNet request and its conditioning scale:
 * {@code GenerationRequest.builder().prompt(p).with(ControlImage.of(edges, 0.7))}. The image is converted to
 * RGB as PIL's {@code convert("RGB")} does and resized to the generation size when it differs (Lanczos).
 *
 * @param image the control image (e.g. an edge map)
 * @param scale conditioning scale (null = the default 1.0), finite within [−100, 100]
 */
public record ControlImage(BufferedImage image, Double scale) implements RequestOption {
    /** Scale of {@link #of(BufferedImage)}. */
    public static final double DEFAULT_SCALE = 1.0;

    public ControlImage {
        if (image == null) throw new InvalidRequestException("the control image is null");
        if (scale != null && (!Double.isFinite(scale) || Math.abs(scale) > 100)) {
            throw new InvalidRequestException("control scale " + scale + " is outside [-100, 100]");
        }
    }

    public static ControlImage of(BufferedImage image) {
        return new ControlImage(image, null);
    }

    public static ControlImage of(BufferedImage image, double scale) {
        return new ControlImage(image, scale);
    }

    /** The pixels (as RGB ints) and the scale: equal for equal control images. */
    @Override
    public Object batchKey() {
        int w = image.getWidth();
        int h = image.getHeight();
        return java.util.List.of(w, h, new Pixels(image.getRGB(0, 0, w, h, null, 0, w)), scaleOrDefault());
    }

    /** RGB values compared by content. */
    private record Pixels(int[] rgb) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Pixels p && java.util.Arrays.equals(rgb, p.rgb);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(rgb);
        }
    }

    /** The scale, or the default. */
    public double scaleOrDefault() {
        return scale == null ? DEFAULT_SCALE : scale;
    }

    @Override
    public String requirement() {
        return "a Sana pipeline with a ControlNet (a SanaControlNetPipeline folder, or Pipeline.builder().with(ControlNet.of(dir)))";
    }
}
