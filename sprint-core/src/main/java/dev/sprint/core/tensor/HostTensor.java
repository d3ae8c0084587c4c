package dev.sprint.core.tensor;

import dev.sprint.api.InvalidRequestException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Tensor data in host memory: a dtype, a shape and little-endian bytes (possibly a slice of a
 * memory-mapped checkpoint). The buffer's position is 0 and its limit is the byte length.
 */
public record HostTensor(DType dtype, long[] shape, ByteBuffer data) implements TensorData {
    public HostTensor {
        shape = shape.clone();
        data = data.slice().order(ByteOrder.LITTLE_ENDIAN);
        long n = numel(shape);
        if (n * dtype.bytes() != data.remaining()) {
            throw new InvalidRequestException("shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + n * dtype.bytes() + " bytes, buffer has " + data.remaining());
        }
    }

    public static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new InvalidRequestException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    @Override
    public long numel() {
        return numel(shape);
    }

    @Override
    public void read(long offset, ByteBuffer dst) {
        int n = dst.remaining();
        if (offset < 0 || offset + n > data.remaining()) {
            throw new IndexOutOfBoundsException("bytes [" + offset + ", " + (offset + n) + ") of a " + data.remaining() + "-byte tensor");
        }
        dst.put(data.duplicate().position((int) offset).limit((int) offset + n));
    }

    @Override
    public HostTensor host() {
        return this;
    }

    public static HostTensor ofFloats(float[] v, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return new HostTensor(DType.F32, shape, b);
    }

    public static HostTensor ofDoubles(double[] v, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asDoubleBuffer().put(v);
        return new HostTensor(DType.F64, shape, b);
    }

    public static HostTensor ofLongs(long[] v, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(v);
        return new HostTensor(DType.I64, shape, b);
    }

    /** Values as float32, converting from any floating or integer dtype. */
    public float[] toFloats() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> b.asFloatBuffer().get(out);
            case F64 -> { for (int i = 0; i < n; i++) out[i] = (float) b.getDouble(i * 8); }
            case F16 -> { for (int i = 0; i < n; i++) out[i] = Half.toFloat(b.getShort(i * 2)); }
            case BF16 -> { for (int i = 0; i < n; i++) out[i] = Half.bf16ToFloat(b.getShort(i * 2)); }
            case I64 -> { for (int i = 0; i < n; i++) out[i] = b.getLong(i * 8); }
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(i * 4); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(i * 2); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xFF; }
        }
        return out;
    }

    /** Values as float64 (exact for F64; widened otherwise). */
    public double[] toDoubles() {
        if (dtype == DType.F64) {
            double[] out = new double[Math.toIntExact(numel())];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asDoubleBuffer().get(out);
            return out;
        }
        if (dtype == DType.I64) {
            long[] l = toLongs();
            double[] out = new double[l.length];
            for (int i = 0; i < l.length; i++) out[i] = l[i];
            return out;
        }
        float[] f = toFloats();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) out[i] = f[i];
        return out;
    }

    /** Values as int64 (integer dtypes, or floats truncated toward zero). */
    public long[] toLongs() {
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case I64 -> b.asLongBuffer().get(out);
            case I32 -> { for (int i = 0; i < n; i++) out[i] = b.getInt(i * 4); }
            case I16 -> { for (int i = 0; i < n; i++) out[i] = b.getShort(i * 2); }
            case I8 -> { for (int i = 0; i < n; i++) out[i] = b.get(i); }
            case U8, BOOL -> { for (int i = 0; i < n; i++) out[i] = b.get(i) & 0xFF; }
            default -> { float[] f = toFloats(); for (int i = 0; i < n; i++) out[i] = (long) f[i]; }
        }
        return out;
    }

    /** The same bytes viewed with another shape of equal element count. */
    public HostTensor reshape(long... newShape) {
        return new HostTensor(dtype, newShape, data);
    }

    @Override
    public String toString() {
        return "HostTensor[" + dtype + " " + Arrays.toString(shape) + "]";
    }
}
