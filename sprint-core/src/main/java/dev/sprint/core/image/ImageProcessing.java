package dev.sprint.core.image;

import dev.sprint.api.InvalidRequestException;
import java.awt.image.BufferedImage;

/** Host-side conversions between images and the float tensors the models use (diffusers' VaeImageProcessor). */
public final class ImageProcessing {
    private ImageProcessing() {}

    /**
     * Decoded samples (B, 3, H, W) in ≈[−1, 1] to uint8 HWC per image: clamp(x/2 + 0.5, 0, 1), ·255,
     * round half to even (numpy's round), as diffusers' postprocess + numpy_to_pil.
     */
    public static byte[][] toRgb8(float[] chw, int batch, int height, int width) {
        int plane = height * width;
        if (chw.length != (long) batch * 3 * plane) {
            throw new InvalidRequestException("expected " + batch + "x3x" + height + "x" + width + " values, got " + chw.length);
        }
        byte[][] out = new byte[batch][plane * 3];
        for (int b = 0; b < batch; b++) {
            int base = b * 3 * plane;
            byte[] img = out[b];
            for (int c = 0; c < 3; c++) {
                for (int p = 0; p < plane; p++) {
                    float x = chw[base + c * plane + p] / 2f + 0.5f;
                    x = Math.min(Math.max(x, 0f), 1f);
                    img[p * 3 + c] = (byte) (int) Math.rint(x * 255f);
                }
            }
        }
        return out;
    }

    /** A {@code TYPE_INT_RGB} image of HWC uint8 pixels (written straight into its pixel array). */
    public static BufferedImage toBufferedImage(byte[] rgb, int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] px = ((java.awt.image.DataBufferInt) img.getRaster().getDataBuffer()).getData();
        for (int p = 0, i = 0; p < px.length; p++, i += 3) px[p] = (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF);
        return img;
    }

    /**
     * RGB pixels of an image as HWC uint8, as PIL's {@code convert("RGB")} makes them (what diffusers'
     * image processor does to any input): alpha is dropped (not composited); a palette image takes its
     * palette's colours; a grayscale image (with or without alpha) copies its gray value into R, G and B
     * unchanged — read from the raster, because {@code getRGB} would map Java's linear gray through sRGB and
     * change the values; gray of fewer than 8 bits is scaled to 0..255 and 16-bit gray is clipped at 255, as
     * PIL's {@code I;16 → RGB}.
     */
    public static byte[] rgb8(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        java.awt.image.Raster raster = img.getRaster();
        boolean gray = img.getColorModel().getColorSpace().getType() == java.awt.color.ColorSpace.TYPE_GRAY
                && !(img.getColorModel() instanceof java.awt.image.IndexColorModel) && raster.getNumBands() <= 2;
        if (gray) {
            int bits = img.getColorModel().getComponentSize(0);
            int[] samples = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, samples);
                for (int x = 0; x < w; x++) {
                    int s = samples[x];
                    int v = bits > 8 ? Math.min(s, 255) : bits < 8 ? s * 255 / ((1 << bits) - 1) : s;
                    int i = (y * w + x) * 3;
                    out[i] = out[i + 1] = out[i + 2] = (byte) v;
                }
            }
            return out;
        }
        int[] row = new int[w];
        for (int y = 0; y < h; y++) {
            img.getRGB(0, y, w, 1, row, 0, w);
            for (int x = 0; x < w; x++) {
                int p = row[x];
                int i = (y * w + x) * 3;
                out[i] = (byte) (p >> 16);
                out[i + 1] = (byte) (p >> 8);
                out[i + 2] = (byte) p;
            }
        }
        return out;
    }

    /** HWC uint8 to CHW float32 in [−1, 1]: x/255·2 − 1 (diffusers' preprocess + normalize). */
    public static float[] toCenteredChw(byte[] rgb, int height, int width) {
        int plane = height * width;
        if (rgb.length != plane * 3) throw new InvalidRequestException("rgb buffer does not match " + width + "x" + height);
        float[] out = new float[plane * 3];
        for (int p = 0; p < plane; p++) {
            for (int c = 0; c < 3; c++) {
                float v = (rgb[p * 3 + c] & 0xFF) / 255f;
                out[c * plane + p] = 2f * v - 1f;
            }
        }
        return out;
    }

    /** Validates an input image's size against limits; returns it. */
    public static BufferedImage requireImage(BufferedImage img, String what) {
        if (img == null) throw new InvalidRequestException(what + " is missing");
        if (img.getWidth() < 8 || img.getHeight() < 8 || img.getWidth() > 8192 || img.getHeight() > 8192) {
            throw new InvalidRequestException(what + " is " + img.getWidth() + "x" + img.getHeight() + "; sizes 8..8192 are supported");
        }
        return img;
    }
}
