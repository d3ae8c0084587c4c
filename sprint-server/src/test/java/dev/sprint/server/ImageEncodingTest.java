package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JPEG comment's escaping and bound, and upload format sniffing, without a server. */
class ImageEncodingTest {
    @Test
    void escapesWhatCouldEndOrDisguiseALine() {
        assertEquals("a\\nb\\r\\\\c\\u0000\\u001b\\u2028d", ImageEncoding.escape("a\nb\r\\c\u0000\u001b\u2028d"));
        assertEquals("plain 中文 😀", ImageEncoding.escape("plain 中文 😀"));
    }

    @Test
    void aLongCommentIsCutOnACharacterAndSaysWhatWasCut() {
        for (int max : new int[] {100, 101, 102, 103, 1000}) {
            Map<String, String> text = new LinkedHashMap<>();
            text.put("sprint:prompt", "😀中".repeat(200)); // 4- and 3-byte characters: every cut point is tried over the sizes
            text.put("sprint:seed", "42");
            byte[] b = ImageEncoding.jpegComment(text, max);
            assertTrue(b.length <= max, b.length + " > " + max);
            String s = new String(b, StandardCharsets.UTF_8);
            assertArrayEquals(b, s.getBytes(StandardCharsets.UTF_8), "valid UTF-8 at " + max);
            assertTrue(s.contains("\nsprint:seed=42\n"), s);
            assertTrue(s.endsWith("\nsprint:truncated=sprint:prompt"), s);
            String kept = s.substring("sprint:prompt=".length(), s.indexOf('\n'));
            assertTrue("😀中".repeat(200).startsWith(kept), kept);
        }
        Map<String, String> small = Map.of("k", "v\nw");
        assertEquals("k=v\\nw", new String(ImageEncoding.jpegComment(small, 100), StandardCharsets.UTF_8), "nothing cut when it fits");
    }

    @Test
    void uploadsAreToldByTheirMagicBytes() {
        assertEquals("png", ImageEncoding.sniff(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, 8));
        assertEquals("jpeg", ImageEncoding.sniff(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, 0, 0, 0, 0, 0}, 8));
        assertEquals("gif", ImageEncoding.sniff("GIF89a\0\0".getBytes(StandardCharsets.ISO_8859_1), 8));
        assertEquals("bmp", ImageEncoding.sniff("BM\0\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1), 8));
        assertNull(ImageEncoding.sniff("II*\0\0\0\0\0".getBytes(StandardCharsets.ISO_8859_1), 8), "TIFF is not read");
        assertNull(ImageEncoding.sniff(new byte[] {0, 0, 1, 1, 0, 0, 0, 0}, 8), "nor WBMP");
        assertNull(ImageEncoding.sniff(new byte[] {(byte) 0x89, 'P'}, 2), "nor a truncated header");
    }
}
