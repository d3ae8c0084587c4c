package dev.sprint.core.io;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Test helper (shared with the backends' tests): a sparse safetensors file holding one 2-D tensor
 * of {@code rows × cols} elements whose first and last rows are written and everything else is zero, so a
 * tensor of several GB costs no disk.
 */
public final class LargeTensorFiles {
    private LargeTensorFiles() {}

    /** Value of element (r, c) in the written rows: distinct, exact in bf16 and f16. */
    public static float value(long r, long c) {
        return (r == 0 ? 1 : -1) * (1 + (c % 64)) * 0.25f;
    }

    /** Writes {@code dir/big.safetensors} with the tensor "big"; dtype is "BF16", "F16" or "F32". */
    public static Path write(Path dir, String dtype, long rows, long cols) {
        return write(dir, "big", dtype, rows, cols);
    }

    /** Writes {@code dir/big.safetensors} with one tensor called {@code name}. */
    public static Path write(Path dir, String name, String dtype, long rows, long cols) {
        int esz = dtype.equals("F32") ? 4 : 2;
        long bytes = rows * cols * esz;
        String header = "{\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + rows + "," + cols + "],\"data_offsets\":[0," + bytes + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(8 + h.length + bytes);
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length);
            raf.write(len.array());
            raf.write(h);
            for (long r : new long[] {0, rows - 1}) {
                ByteBuffer row = ByteBuffer.allocate((int) (cols * esz)).order(ByteOrder.LITTLE_ENDIAN);
                for (long c = 0; c < cols; c++) {
                    float v = value(r, c);
                    switch (dtype) {
                        case "F32" -> row.putFloat(v);
                        case "F16" -> row.putShort(dev.sprint.core.tensor.Half.fromFloat(v));
                        default -> row.putShort(dev.sprint.core.tensor.Half.floatToBf16(v));
                    }
                }
                raf.seek(8 + h.length + r * cols * esz);
                raf.write(row.array());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }
}
