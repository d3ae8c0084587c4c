package dev.sprint.backend.onnx;

import java.nio.charset.StandardCharsets;

/**
 * A minimal protocol-buffers writer, enough to encode ONNX's ModelProto (varints, fixed32/64, and
 * length-delimited fields). Written by hand so the backend needs no generated code.
 */
final class Proto {
    // a plain growable array: ByteArrayOutputStream synchronises every single-byte write, and graph
    // encoding runs on every evaluation (it is the session cache key)
    private byte[] buf = new byte[64];
    private int len;

    private void ensure(int extra) {
        if (len + extra > buf.length) buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }

    private void write(int b) {
        ensure(1);
        buf[len++] = (byte) b;
    }

    private void varint(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[len++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[len++] = (byte) v;
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
        for (int i = 0; i < 4; i++) write((b >>> (8 * i)) & 0xFF);
        return this;
    }

    private Proto bytes(int field, byte[] v, int n) {
        tag(field, 2);
        varint(n);
        ensure(n);
        System.arraycopy(v, 0, buf, len, n);
        len += n;
        return this;
    }

    Proto bytes(int field, byte[] v) {
        return bytes(field, v, v.length);
    }

    Proto string(int field, String v) {
        return bytes(field, v.getBytes(StandardCharsets.UTF_8));
    }

    Proto message(int field, Proto m) {
        return bytes(field, m.buf, m.len);
    }

    /** A packed repeated int64 field. */
    Proto packedInt64(int field, long[] values) {
        Proto p = new Proto();
        for (long v : values) p.varint(v);
        return message(field, p);
    }

    byte[] toByteArray() {
        return java.util.Arrays.copyOf(buf, len);
    }
}
