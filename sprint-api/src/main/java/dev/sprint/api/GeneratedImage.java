package dev.sprint.api;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOInvalidTreeException;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageOutputStream;

/**
 * One generated RGB image: 8-bit pixels in row-major HWC order plus its {@link Provenance}.
 * Immutable; {@link #rgb()} returns a copy.
 */
public final class GeneratedImage {
    /** Keyword of the PNG text chunk holding {@link Provenance#parameters()}. */
    public static final String PARAMETERS_KEYWORD = "parameters";

    private final int width;
    private final int height;
    private final byte[] rgb;
    private final Provenance provenance;

    /**
     * @param width      pixels per row
     * @param height     rows
     * @param rgb        width·height·3 bytes, HWC, R then G then B
     * @param provenance how it was made
     */
    public GeneratedImage(int width, int height, byte[] rgb, Provenance provenance) {
        if (rgb == null || width <= 0 || height <= 0 || rgb.length != (long) width * height * 3) {
            throw new InvalidRequestException("rgb has " + (rgb == null ? "no" : rgb.length) + " bytes, expected "
                    + width + "x" + height + "x3");
        }
        if (provenance == null) throw new InvalidRequestException("provenance is null");
        this.width = width;
        this.height = height;
        this.rgb = rgb.clone();
        this.provenance = provenance;
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    /** A copy of the pixels, HWC uint8. */
    public byte[] rgb() {
        return rgb.clone();
    }

    /** Pixel value of channel {@code c} (0=R) at (x, y), 0..255. */
    public int pixel(int x, int y, int c) {
        return rgb[(y * width + x) * 3 + c] & 0xFF;
    }

    public Provenance provenance() {
        return provenance;
    }

    /** A new {@code TYPE_INT_RGB} image with these pixels. */
    public BufferedImage toBufferedImage() {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] row = new int[width];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                int i = (y * width + x) * 3;
                row[x] = (rgb[i] & 0xFF) << 16 | (rgb[i + 1] & 0xFF) << 8 | (rgb[i + 2] & 0xFF);
            }
            img.setRGB(0, y, width, 1, row, 0, width);
        }
        return img;
    }

    /**
     * PNG bytes with the provenance as {@code sprint:*} tEXt chunks plus a {@code parameters} chunk that image
     * viewers and galleries read ({@link Provenance#parameters()}; tEXt, or UTF-8 iTXt when the text is not Latin-1).
     */
    public byte[] toPng() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writePng(out);
        return out.toByteArray();
    }

    /** Writes a PNG file (with provenance text chunks), creating parent folders; an I/O failure is a {@link SprintException}. */
    public void writePng(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            try (OutputStream out = Files.newOutputStream(file)) {
                writePng(out);
            }
        } catch (IOException e) {
            throw new SprintException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes PNG bytes (with provenance text chunks) to a stream, which stays open. */
    public void writePng(OutputStream out) {
        BufferedImage img = toBufferedImage();
        ImageWriter writer = ImageIO.getImageWritersByFormatName("png").next();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(img), null);
            addText(meta, provenance.asText(), provenance.parameters());
            writer.write(new IIOImage(img, null, meta));
        } catch (IOException e) {
            throw new SprintException("cannot encode PNG: " + e.getMessage(), e);
        } finally {
            writer.dispose();
        }
    }

    private static void addText(IIOMetadata meta, Map<String, String> text, String parameters)
            throws IIOInvalidTreeException {
        IIOMetadataNode textNode = new IIOMetadataNode("tEXt");
        for (Map.Entry<String, String> e : text.entrySet()) {
            IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
            entry.setAttribute("keyword", e.getKey());
            // tEXt is Latin-1; non-Latin-1 prompt characters are replaced rather than failing the write.
            entry.setAttribute("value", latin1(e.getValue() == null ? "" : e.getValue()));
            textNode.appendChild(entry);
        }
        IIOMetadataNode root = new IIOMetadataNode("javax_imageio_png_1.0");
        // "parameters" keeps every character: tEXt when Latin-1 suffices (what most readers expect), else iTXt.
        if (parameters.chars().allMatch(c -> c < 256)) {
            IIOMetadataNode entry = new IIOMetadataNode("tEXtEntry");
            entry.setAttribute("keyword", PARAMETERS_KEYWORD);
            entry.setAttribute("value", parameters);
            textNode.appendChild(entry);
            root.appendChild(textNode);
        } else {
            root.appendChild(textNode);
            IIOMetadataNode itxt = new IIOMetadataNode("iTXt");
            IIOMetadataNode entry = new IIOMetadataNode("iTXtEntry");
            entry.setAttribute("keyword", PARAMETERS_KEYWORD);
            entry.setAttribute("compressionFlag", "FALSE");
            entry.setAttribute("compressionMethod", "0");
            entry.setAttribute("languageTag", "");
            entry.setAttribute("translatedKeyword", "");
            entry.setAttribute("text", parameters);
            itxt.appendChild(entry);
            root.appendChild(itxt);
        }
        meta.mergeTree("javax_imageio_png_1.0", root);
    }

    private static String latin1(String s) {
        StringBuilder b = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> b.append(cp < 256 ? (char) cp : '?'));
        return b.toString();
    }
}
