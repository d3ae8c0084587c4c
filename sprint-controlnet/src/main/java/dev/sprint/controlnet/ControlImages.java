package dev.sprint.controlnet;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.image.ImageProcessing;
import java.awt.image.BufferedImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host-side preparation of a control image, as diffusers' {@code SanaControlNetPipeline.prepare_image}
 * does it through {@code VaeImageProcessor.preprocess}:
 * <ol>
 *   <li>to 8-bit RGB as PIL's {@code convert("RGB")} ({@link ImageProcessing#rgb8}): grayscale is
 *       replicated to three channels and alpha is dropped (the reference itself would fail on such images,
 *       since its VAE expects three channels);</li>
 *   <li>resized to the generation size with Pillow's Lanczos filter ({@link PilResize}) when the size
 *       differs. Like the reference, the image is stretched, not cropped, so a different aspect ratio
 *       distorts it; a warning is logged;</li>
 *   <li>{@code x/255·2 − 1} in float32, CHW.</li>
 * </ol>
 * The result is then encoded by the DC-AE encoder and multiplied by its scaling factor (see
 * {@link ControlNetConditioning}).
 */
public final class ControlImages {
    private static final Logger LOG = LoggerFactory.getLogger(ControlImages.class);

    private ControlImages() {}

    /**
     * The control image as a (1, 3, height, width) float32 CHW array in [−1, 1].
     *
     * @throws InvalidRequestException for a missing or unreasonably sized image
     */
    public static float[] preprocess(BufferedImage control, int width, int height) {
        ImageProcessing.requireImage(control, "control image");
        byte[] rgb = ImageProcessing.rgb8(control);
        int w = control.getWidth();
        int h = control.getHeight();
        if (w != width || h != height) {
            double aspectIn = (double) w / h;
            double aspectOut = (double) width / height;
            if (Math.abs(aspectIn / aspectOut - 1) > 0.01) {
                LOG.warn("control image {}x{} has another aspect ratio than the {}x{} output; it is stretched (as diffusers does)",
                        w, h, width, height);
            }
            rgb = PilResize.lanczosRgb(rgb, w, h, width, height);
        }
        return ImageProcessing.toCenteredChw(rgb, height, width);
    }
}
