package dev.sprint.backend.onnx;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal protocol-buffers writer, enough to encode ONNX's ModelProto (varints, fixed32/64, and
 * length-delimited fields). Written by hand so the backend needs no generated code.
 */
final class Proto {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private void varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private void tag(int field, int wireType) {
        varint(((long) field << 3) | wireType);
    }

    Proto int64(int field, long v) {
        tag(field, 0);
        varint(v);
        return this;
    }

    Proto float32(int field, float v) {
        tag(field, 5);
        int b = Float.floatToRawIntBits(v);
        for (int i = 0; i < 4; i++) out.write((b >>> (8 * i)) & 0xFF);
        return this;
    }

    Proto bytes(int field, byte[] v) {
        tag(field, 2);
        varint(v.length);
        out.write(v, 0, v.length);
        return this;
    }

    Proto string(int field, String v) {
        return bytes(field, v.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto m) {
        return bytes(field, m.toByteArray());
    }

    /** A packed repeated int64 field. */
    Proto packedInt64(int field, long[] values) {
        Proto p = new Proto();
        for (long v : values) p.varint(v);
        return bytes(field, p.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
