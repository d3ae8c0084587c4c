package dev.sprint.core.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test helper: raw safetensors files from a header string and data bytes (so hostile files can be written). */
final class SafetensorsBytes {
    private SafetensorsBytes() {}

    /** 8-byte LE header length, the header's UTF-8 bytes, then {@code data}. */
    static byte[] file(String header, byte[] data) {
        return file(header.getBytes(StandardCharsets.UTF_8), data);
    }

    static byte[] file(byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header).put(data);
        return b.array();
    }

    /** A header length field followed by some bytes (for length-field attacks). */
    static byte[] lengthThen(long headerLength, byte[] rest) {
        ByteBuffer b = ByteBuffer.allocate(8 + rest.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLength).put(rest);
        return b.array();
    }

    static Path write(Path dir, String name, byte[] bytes) {
        try {
            Path p = dir.resolve(name);
            Files.write(p, bytes);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One-entry header JSON. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }
}
