package dev.sprint.core.tensor;

import dev.sprint.api.ModelLoadException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Tensor bytes that need not be in memory and may exceed one {@link ByteBuffer} (2 GiB): a checkpoint
 * tensor read in ranges from its file, a generated one, or a {@link HostTensor}. Backends upload weights
 * from it in bounded chunks, converting the dtype on the way ({@link #readAs}), so a 2.4 GB float32
 * weight converted from bfloat16 never exists as one Java array or buffer, nor twice.
 *
 * <p>Data is little-endian, row-major, {@code numel × dtype.bytes()} bytes.
 */
public interface TensorData {
    /** Elements converted per chunk by callers that stream (bounded temporaries, large enough to be fast). */
    int CHUNK_ELEMENTS = 4 << 20;

    DType dtype();

    long[] shape();

    default long numel() {
        return HostTensor.numel(shape());
    }

    default long byteLength() {
        return numel() * dtype().bytes();
    }

    /**
     * Copies {@code dst.remaining()} bytes starting at byte {@code offset} into {@code dst} (advancing its
     * position). A range outside {@code [0, byteLength())} is an {@link IndexOutOfBoundsException}.
     */
    void read(long offset, ByteBuffer dst);

    /**
     * The whole tensor as one host buffer (memory-mapped where the source is a file, so no copy), for data that
     * is used on the host or uploaded as is. Tensors over 2 GiB have no such view: a
     * {@link dev.sprint.api.ModelLoadException} names the tensor and its size.
     */
    HostTensor host();

    /**
     * Elements {@code [start, start + count)} converted to {@code target} (F32 or F16 from any floating dtype;
     * an integer dtype to itself), written to {@code dst} at its position in little-endian order. Conversions
     * round as PyTorch's {@code .to()} does (bf16/f16 → f32 exact, f32 → f16 to nearest even).
     */
    default void readAs(DType target, long start, int count, ByteBuffer dst) {
        readAs(target, start, count, dst, null);
    }

    /**
     * {@link #readAs(DType, long, int, ByteBuffer)} reading the source bytes through {@code scratch} (at least
     * {@code count × dtype().bytes()} bytes; null = allocate), so a loop over chunks makes no garbage.
     */
    default void readAs(DType target, long start, int count, ByteBuffer dst, ByteBuffer scratch) {
        DType src = dtype();
        ByteBuffer out = dst.order(ByteOrder.LITTLE_ENDIAN);
        if (src == target) {
            ByteBuffer view = out.duplicate();
            view.limit(view.position() + count * src.bytes());
            read(start * src.bytes(), view);
            out.position(view.position());
            return;
        }
        if (!src.isFloating() || !(target == DType.F32 || target == DType.F16)) {
            throw new ModelLoadException("tensor data of dtype " + src + " cannot be read as " + target);
        }
        int n = count * src.bytes();
        ByteBuffer raw = scratch == null || scratch.capacity() < n ? ByteBuffer.allocate(n) : scratch.clear().limit(n);
        raw.order(ByteOrder.LITTLE_ENDIAN);
        read(start * src.bytes(), raw);
        raw.flip();
        Convert.floats(src, raw, target, out, count);
    }

    /** Element conversions between floating dtypes, shared by every streaming path. */
    final class Convert {
        private Convert() {}

        /** Converts {@code count} elements from {@code in} (at its position) to {@code out} (at its position). */
        public static void floats(DType from, ByteBuffer in, DType to, ByteBuffer out, int count) {
            int ip = in.position();
            int op = out.position();
            if (to == DType.F32) {
                switch (from) {
                    case BF16 -> { for (int i = 0; i < count; i++) out.putInt(op + 4 * i, (in.getShort(ip + 2 * i) & 0xFFFF) << 16); }
                    case F16 -> { for (int i = 0; i < count; i++) out.putFloat(op + 4 * i, Half.toFloat(in.getShort(ip + 2 * i))); }
                    case F64 -> { for (int i = 0; i < count; i++) out.putFloat(op + 4 * i, (float) in.getDouble(ip + 8 * i)); }
                    case F32 -> { for (int i = 0; i < count; i++) out.putInt(op + 4 * i, in.getInt(ip + 4 * i)); }
                    default -> throw new ModelLoadException("tensor data of dtype " + from + " cannot be read as F32");
                }
                out.position(op + 4 * count);
            } else if (to == DType.F16) {
                switch (from) {
                    case F16 -> { for (int i = 0; i < count; i++) out.putShort(op + 2 * i, in.getShort(ip + 2 * i)); }
                    case BF16 -> { for (int i = 0; i < count; i++) out.putShort(op + 2 * i, Half.fromFloat(Half.bf16ToFloat(in.getShort(ip + 2 * i)))); }
                    case F32 -> { for (int i = 0; i < count; i++) out.putShort(op + 2 * i, Half.fromFloat(in.getFloat(ip + 4 * i))); }
                    case F64 -> { for (int i = 0; i < count; i++) out.putShort(op + 2 * i, Half.fromFloat((float) in.getDouble(ip + 8 * i))); }
                    default -> throw new ModelLoadException("tensor data of dtype " + from + " cannot be read as F16");
                }
                out.position(op + 2 * count);
            } else {
                throw new ModelLoadException("tensor data of dtype " + from + " cannot be read as " + to);
            }
            in.position(ip + count * from.bytes());
        }
    }
}
