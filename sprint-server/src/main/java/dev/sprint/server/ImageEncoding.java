package dev.sprint.server;

import dev.sprint.api.GeneratedImage;
import dev.sprint.api.Provenance;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        // the bytes as the user object: ImageIO would encode the "comment" attribute with the platform charset
        com.setUserObject(jpegComment(text, MAX_COMMENT_BYTES));
        markers.appendChild(com);
        meta.setFromTree(format, root);
    }

    /** A COM segment holds 65 535 bytes including its 2-byte length. */
    static final int MAX_COMMENT_BYTES = 65_533;

    /**
     * The provenance as UTF-8 {@code key=value} lines of at most {@code maxBytes} bytes. Backslashes, line
     * breaks and other control characters in a value are escaped ({@code \\}, {@code \n}, {@code \r}, others as a
     * backslash, 'u' and four hex digits), so a prompt cannot forge a line. When the text does not fit, the longest values are cut
     * (on a character boundary) and a last line {@code sprint:truncated=KEYS} names them.
     */
    static byte[] jpegComment(Map<String, String> text, int maxBytes) {
        List<String> keys = new ArrayList<>();
        List<String> values = new ArrayList<>();
        text.forEach((k, v) -> {
            keys.add(escape(k));
            values.add(v == null ? "" : v);
        });
        long[] bytes = new long[keys.size()];
        long total = -1; // n lines, n - 1 line breaks
        for (int i = 0; i < keys.size(); i++) {
            bytes[i] = utf8Length(keys.get(i)) + 1 + utf8Length(escape(values.get(i)));
            total += bytes[i] + 1;
        }
        List<String> cut = new ArrayList<>();
        if (total > maxBytes) {
            long reserve = utf8Length("\nsprint:truncated=" + String.join(",", keys));
            while (total + reserve > maxBytes) {
                int longest = -1;
                for (int i = 0; i < keys.size(); i++) {
                    if (!cut.contains(keys.get(i)) && (longest < 0 || bytes[i] > bytes[longest])) longest = i;
                }
                if (longest < 0) break;
                cut.add(keys.get(longest));
                long room = Math.max(0, bytes[longest] - (total + reserve - maxBytes)) - utf8Length(keys.get(longest)) - 1;
                String kept = escapedWithin(values.get(longest), room);
                values.set(longest, kept);
                long now = utf8Length(keys.get(longest)) + 1 + utf8Length(kept);
                total -= bytes[longest] - now;
                bytes[longest] = now;
            }
        }
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < keys.size(); i++) {
            if (i > 0) out.append('\n');
            String k = keys.get(i);
            out.append(k).append('=').append(cut.contains(k) ? values.get(i) : escape(values.get(i)));
        }
        if (!cut.isEmpty()) out.append("\nsprint:truncated=").append(String.join(",", cut));
        byte[] b = out.toString().getBytes(StandardCharsets.UTF_8);
        return b.length <= maxBytes ? b : java.util.Arrays.copyOf(b, utf8Boundary(b, maxBytes));
    }

    /** The escaped form of the longest prefix of {@code value} whose escaped form fits {@code maxBytes} of UTF-8. */
    private static String escapedWithin(String value, long maxBytes) {
        StringBuilder b = new StringBuilder();
        long n = 0;
        for (int i = 0; i < value.length(); ) {
            int cp = value.codePointAt(i);
            String e = escape(new String(Character.toChars(cp)));
            long len = utf8Length(e);
            if (n + len > maxBytes) break;
            b.append(e);
            n += len;
            i += Character.charCount(cp);
        }
        return b.toString();
    }

    /** Backslash escapes for the characters that could end or disguise a line. */
    static String escape(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            String rep = c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                    : Character.isISOControl(c) || c == '\u2028' || c == '\u2029' ? String.format("\\u%04x", (int) c) : null;
            if (rep != null && b == null) b = new StringBuilder(s.length() + 16).append(s, 0, i);
            if (b != null) {
                if (rep != null) b.append(rep);
                else b.append(c);
            }
        }
        return b == null ? s : b.toString();
    }

    private static long utf8Length(String s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) n += 1;
            else if (c < 0x800) n += 2;
            else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else n += 3;
        }
        return n;
    }

    /** The largest length at most {@code max} that does not split a UTF-8 sequence of {@code b}. */
    private static int utf8Boundary(byte[] b, int max) {
        int i = max;
        while (i > 0 && (b[i] & 0xC0) == 0x80) i--; // b[i] is the first byte left out: never cut before a continuation byte
        return i;
    }

    /**
     * The format of an upload from its first bytes: png, jpeg, gif or bmp, else null. Only these formats are
     * decoded; the readers ImageIO would otherwise pick by probing (TIFF, WBMP, plug-ins) are never reached.
     */
    static String sniff(byte[] head, int n) {
        if (n >= 8 && head[0] == (byte) 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G' && head[4] == '\r' && head[5] == '\n'
                && head[6] == 0x1a && head[7] == '\n') {
            return "png";
        }
        if (n >= 3 && head[0] == (byte) 0xFF && head[1] == (byte) 0xD8 && head[2] == (byte) 0xFF) return "jpeg";
        if (n >= 6 && head[0] == 'G' && head[1] == 'I' && head[2] == 'F' && head[3] == '8' && (head[4] == '7' || head[4] == '9')
                && head[5] == 'a') {
            return "gif";
        }
        if (n >= 2 && head[0] == 'B' && head[1] == 'M') return "bmp";
        return null;
    }

    /**
     * Decodes an uploaded PNG, JPEG, GIF or BMP (told by its magic bytes, read by that format's reader), refusing
     * other formats and pixel counts above {@code maxPixels} before the pixels are decoded (a small file may
     * declare a huge image).
     */
    static BufferedImage decode(InputStream in, long maxPixels, String param) {
        try (ImageInputStream iis = ImageIO.createImageInputStream(in)) {
            byte[] head = new byte[8];
            int n = 0;
            if (iis != null) {
                iis.mark();
                for (int r; n < head.length && (r = iis.read(head, n, head.length - n)) > 0; ) n += r;
                iis.reset();
            }
            String format = sniff(head, n);
            Iterator<ImageReader> readers = format == null ? null : ImageIO.getImageReadersByFormatName(format);
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
            throw ApiError.invalid("Invalid '" + param + "': the image could not be decoded.", param, "invalid_image");
        }
    }

    /** The image with {@code model} as its provenance's model: the public name, never a local path. */
    static GeneratedImage withModel(GeneratedImage img, String model) {
        Provenance p = img.provenance();
        if (p == null || model.equals(p.model())) return img;
        return new GeneratedImage(img.width(), img.height(), img.rgb(), new Provenance(model, p.pipeline(), p.backend(), p.prompt(),
                p.seed(), p.steps(), p.width(), p.height(), p.extras()));
    }
}
