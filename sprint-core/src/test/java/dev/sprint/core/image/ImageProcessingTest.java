package dev.sprint.core.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import org.junit.jupiter.api.Test;

/**
 * Input images convert to RGB as PIL's {@code convert("RGB")} does (what diffusers' image processor
 * applies): L copies its value into R, G, B (Java's {@code getRGB} would map linear gray through sRGB and
 * change it); LA drops alpha; RGBA drops alpha without compositing; P looks up the palette; 16-bit gray
 * ({@code I;16}) clips at 255; 2-bit gray scales to 0..255. Expected values follow Pillow's Convert.c.
 */
class ImageProcessingTest {
    private static byte[] rgb(int... v) {
        byte[] b = new byte[v.length];
        for (int i = 0; i < v.length; i++) b[i] = (byte) v[i];
        return b;
    }

    @Test
    void grayscaleCopiesTheValue() {
        BufferedImage g = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 100, 255});
        assertArrayEquals(rgb(0, 0, 0, 100, 100, 100, 255, 255, 255), ImageProcessing.rgb8(g));
    }

    /** A one-row gray image from a colour model and samples (band-interleaved per pixel). */
    private static BufferedImage gray(ComponentColorModel cm, int width, int... samples) {
        WritableRaster r = cm.createCompatibleWritableRaster(width, 1);
        r.setPixels(0, 0, width, 1, samples);
        return new BufferedImage(cm, r, false, null);
    }

    @Test
    void grayWithAlphaDropsTheAlpha() {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), true, false,
                Transparency.TRANSLUCENT, DataBuffer.TYPE_BYTE);
        assertArrayEquals(rgb(77, 77, 77, 200, 200, 200), ImageProcessing.rgb8(gray(cm, 2, 77, 0, 200, 128)));
    }

    @Test
    void rgbaDropsTheAlphaWithoutCompositing() {
        BufferedImage a = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x00FF8040);   // fully transparent: PIL keeps the colour
        a.setRGB(1, 0, 0x80102030);
        assertArrayEquals(rgb(0xFF, 0x80, 0x40, 0x10, 0x20, 0x30), ImageProcessing.rgb8(a));
    }

    @Test
    void paletteLooksUpItsColours() {
        byte[] red = {(byte) 255, 0, 12};
        byte[] green = {0, (byte) 255, 34};
        byte[] blue = {0, 0, 56};
        IndexColorModel cm = new IndexColorModel(2, 3, red, green, blue);
        BufferedImage p = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, cm);
        p.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {2, 0, 1});
        assertArrayEquals(rgb(12, 34, 56, 255, 0, 0, 0, 255, 0), ImageProcessing.rgb8(p));
    }

    @Test
    void sixteenBitGrayClipsAt255() {
        BufferedImage g = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        g.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {7, 255, 40000});
        assertArrayEquals(rgb(7, 7, 7, 255, 255, 255, 255, 255, 255), ImageProcessing.rgb8(g));
    }

    @Test
    void lowBitGrayScalesToFullRange() {
        ComponentColorModel cm = new ComponentColorModel(ColorSpace.getInstance(ColorSpace.CS_GRAY), new int[] {2}, false,
                false, Transparency.OPAQUE, DataBuffer.TYPE_BYTE);
        assertArrayEquals(rgb(0, 0, 0, 85, 85, 85, 170, 170, 170, 255, 255, 255), ImageProcessing.rgb8(gray(cm, 4, 0, 1, 2, 3)));
    }

    @Test
    void rgbIsUnchanged() {
        BufferedImage c = new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR);
        c.setRGB(0, 0, 0x123456);
        assertArrayEquals(rgb(0x12, 0x34, 0x56), ImageProcessing.rgb8(c));
    }
}
