package dev.sprint.controlnet;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.image.ImageProcessing;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Host-side preparation of a control image, as diffusers' {@code SanaControlNetPipeline.prepare_image}
 * does it through {@code VaeImageProcessor.preprocess}:
 * <ol>
 *   <li>to 8-bit RGB: grayscale is replicated to three channels and alpha is dropped (what PIL's
 *       {@code convert("RGB")} does; the reference itself would fail on such images, since its VAE
 *       expects three channels);</li>
 *   <li>resized to the generation size with Pillow's Lanczos filter ({@link PilResize}) when the size
 *       differs. Like the reference, the image is stretched, not cropped, so a different aspect ratio
 *       distorts it; a warning is logged;</li>
 *   <li>{@code x/255·2 − 1} in float32, CHW.</li>
 * </ol>
 * The result is then encoded by the DC-AE encoder and multiplied by its scaling factor (see
 * {@link SanaControlNetPipeline}).
 */
public final class ControlImages {
    private static final Logger LOG = LoggerFactory.getLogger(ControlImages.class);

    private ControlImages() {}

    /** HWC RGB bytes of any {@link BufferedImage}; gray images are read from the raster (no colour-space conversion). */
    public static byte[] rgb8(BufferedImage img) {
        Raster r = img.getRaster();
        int bands = r.getNumBands();
        boolean gray = img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY;
        if (gray && bands <= 2) {
            // getRGB would map linear gray through sRGB and change the values; PIL copies L into R, G and B
            int w = img.getWidth();
            int h = img.getHeight();
            int bits = img.getColorModel().getComponentSize(0);
            byte[] out = new byte[w * h * 3];
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = bits > 8 ? row[x] >> (bits - 8) : bits < 8 ? row[x] * 255 / ((1 << bits) - 1) : row[x];
                    int i = (y * w + x) * 3;
                    out[i] = out[i + 1] = out[i + 2] = (byte) v;
                }
            }
            return out;
        }
        return ImageProcessing.rgb8(img);
    }

    /**
     * The control image as a (1, 3, height, width) float32 CHW array in [−1, 1].
     *
     * @throws InvalidRequestException for a missing or unreasonably sized image
     */
    public static float[] preprocess(BufferedImage control, int width, int height) {
        ImageProcessing.requireImage(control, "control image");
        byte[] rgb = rgb8(control);
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
