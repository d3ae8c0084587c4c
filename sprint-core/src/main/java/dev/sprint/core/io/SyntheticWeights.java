package dev.sprint.core.io;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.function.Predicate;

/**
 * Random weights of whatever shape a model asks for, so benchmarks can build the real 0.6B / 1.6B /
 * SD3.5 configs without a checkpoint (compute cost does not depend on weight values). Values are
 * uniform with the variance of a fan-in-scaled initialisation, so activations stay in range (no
 * overflow or denormal slow paths). Never use for anything but timing.
 */
public final class SyntheticWeights implements WeightSource {
    private final Predicate<String> present;
    private final long seed;
    private long bytes;

    /**
     * @param present which tensor names exist (e.g. {@code n -> true}, or a rule that drops biases the real
     *                checkpoint lacks)
     * @param seed    seed of the values
     */
    public SyntheticWeights(Predicate<String> present, long seed) {
        this.present = present;
        this.seed = seed;
    }

    /** Bytes of float32 data handed out so far. */
    public synchronized long bytesCreated() {
        return bytes;
    }

    @Override
    public java.util.Set<String> names() {
        // A set that "contains" every present name; it cannot be listed, so unused-weight checks see nothing.
        return new AbstractSet<>() {
            @Override
            public boolean contains(Object o) {
                return o instanceof String s && present.test(s);
            }

            @Override
            public Iterator<String> iterator() {
                return Collections.emptyIterator();
            }

            @Override
            public int size() {
                return 0;
            }
        };
    }

    @Override
    public HostTensor get(String name) {
        throw new ModelLoadException("synthetic weight '" + name + "' needs the shape the model expects");
    }

    @Override
    public HostTensor get(String name, long[] shape) {
        return materialize(name, data(name, shape));
    }

    private static HostTensor materialize(String name, TensorData d) {
        if (d.byteLength() > Integer.MAX_VALUE) {
            throw new ModelLoadException("synthetic weight '" + name + "' is " + d.byteLength()
                    + " bytes, more than one host buffer holds (2 GiB); it can only be streamed to a backend");
        }
        ByteBuffer b = ByteBuffer.allocateDirect((int) d.byteLength()).order(ByteOrder.LITTLE_ENDIAN);
        d.read(0, b);
        b.flip();
        // read-only like a mapped checkpoint, so a CPU backend may use the buffer in place instead of copying
        return new HostTensor(DType.F32, d.shape(), b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
    }

    /**
     * Values as a pure function of (seed, name, element index), so any range of a tensor of any size can be
     * produced on its own: uniform(−a, a) with a = sqrt(3 / fan-in) (variance 1/fan-in), norms 1 + small noise.
     */
    @Override
    public TensorData data(String name, long[] shape) {
        if (shape == null || shape.length == 0) return get(name);
        long n = HostTensor.numel(shape);
        long fanIn = shape.length == 1 ? 1 : n / Math.max(1, shape[0]);
        boolean norm = shape.length == 1 && name.endsWith("weight");
        double a = shape.length == 1 ? 0.05 : Math.sqrt(3.0 / fanIn);
        long base = seed * 0x9E3779B97F4A7C15L ^ name.hashCode();
        long[] s = shape.clone();
        synchronized (this) {
            bytes += n * 4;
        }
        return new TensorData() {
            @Override
            public DType dtype() {
                return DType.F32;
            }

            @Override
            public long[] shape() {
                return s.clone();
            }

            @Override
            public void read(long offset, ByteBuffer dst) {
                int len = dst.remaining();
                if (offset < 0 || offset + len > n * 4) throw new IndexOutOfBoundsException(offset + "+" + len + " of " + n * 4);
                ByteBuffer f = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
                for (long i = offset; i < offset + len; ) {
                    long e = i / 4;
                    float v = value(base, e, a, norm);
                    if (i % 4 == 0 && i + 4 <= offset + len) {
                        dst.order(ByteOrder.LITTLE_ENDIAN).putFloat(v);
                        i += 4;
                    } else { // a range that does not start or end on an element
                        f.putFloat(0, v);
                        dst.put(f.get((int) (i % 4)));
                        i++;
                    }
                }
            }

            @Override
            public HostTensor host() {
                return materialize(name, this);
            }
        };
    }

    private static float value(long base, long index, double a, boolean norm) {
        long z = base + index * 0x9E3779B97F4A7C15L; // SplitMix64 finaliser of a Weyl sequence
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        double u = ((z >>> 11) * 0x1.0p-53 * 2 - 1) * a;
        return (float) (norm ? 1 + u : u);
    }

    @Override
    public String origin(String name) {
        return "synthetic weights";
    }

    @Override
    public void close() {
        // nothing held
    }
}
