package dev.sprint.server;

import dev.sprint.api.GeneratedImage;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageTypeSpecifier;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import org.w3c.dom.Node;

/**
 * Image bytes in and out of the HTTP API. PNG is {@link GeneratedImage#toPng()} (provenance in tEXt chunks);
 * JPEG carries the same provenance as a COM segment of {@code key=value} lines; WebP only where an ImageIO
 * writer is installed.
 */
final class ImageEncoding {
    static final Set<String> FORMATS = Set.of("png", "jpeg", "webp");

    private ImageEncoding() {}

    static boolean canWrite(String format) {
        return ImageIO.getImageWritersByFormatName(format).hasNext();
    }

    /** The image in {@code format}; {@code compression} 0..100 is the JPEG/WebP quality (PNG is lossless). */
    static byte[] encode(GeneratedImage img, String format, int compression) {
        if (format.equals("png")) return img.toPng();
        return write(img.toBufferedImage(), format, compression, img.provenance().asText());
    }

    /** A preview image (no provenance) in {@code format}. */
    static byte[] encode(BufferedImage preview, String format, int compression) {
        return write(preview, format, compression, null);
    }

    /** Encodes with ImageIO; {@code jpegText}, when given, goes into a JPEG's COM segment. */
    private static byte[] write(BufferedImage rgb, String format, int compression, Map<String, String> jpegText) {
        ImageWriter writer = ImageIO.getImageWritersByFormatName(format).next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (param.canWriteCompressed()) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                if (param.getCompressionType() == null && param.getCompressionTypes() != null) {
                    param.setCompressionType(param.getCompressionTypes()[0]);
                }
                param.setCompressionQuality(compression / 100f);
            }
            IIOMetadata meta = writer.getDefaultImageMetadata(ImageTypeSpecifier.createFromRenderedImage(rgb), param);
            if (format.equals("jpeg") && jpegText != null) addJpegComment(meta, jpegText);
            writer.write(null, new IIOImage(rgb, null, meta), param);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode " + format, e);
        } finally {
            writer.dispose();
        }
        return out.toByteArray();
    }

    private static void addJpegComment(IIOMetadata meta, Map<String, String> text) throws IOException {
        String format = "javax_imageio_jpeg_image_1.0";
        Node root = meta.getAsTree(format);
        Node markers = null;
        for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n.getNodeName().equals("markerSequence")) markers = n;
        }
        if (markers == null) return;
        IIOMetadataNode com = new IIOMetadataNode("com");
        String comment = text.entrySet().stream().map(e -> e.getKey() + "=" + (e.getValue() == null ? "" : e.getValue()))
                .collect(Collectors.joining("\n"));
        com.setAttribute("comment", comment);
        markers.appendChild(com);
        meta.setFromTree(format, root);
    }

    /**
     * Decodes an uploaded image, refusing formats ImageIO cannot read and pixel counts above {@code maxPixels}
     * before the pixels are decoded (a small file may declare a huge image).
     */
    static BufferedImage decode(InputStream in, long maxPixels, String param) {
        try (ImageInputStream iis = ImageIO.createImageInputStream(in)) {
            Iterator<ImageReader> readers = iis == null ? null : ImageIO.getImageReaders(iis);
            if (readers == null || !readers.hasNext()) {
                throw ApiError.invalid("Invalid '" + param + "': not an image this server can read (PNG, JPEG, BMP or GIF).", param,
                        "invalid_image_format");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(iis, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > maxPixels) {
                    throw ApiError.invalid("Invalid '" + param + "': " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " is above this server's limit of " + maxPixels + " pixels.", param, "image_too_large");
                }
                return reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ApiError a) throw a;
            throw ApiError.invalid("Invalid '" + param + "': the image could not be decoded (" + e.getMessage() + ").", param,
                    "invalid_image");
        }
    }
}
