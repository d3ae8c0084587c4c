package dev.sprint.core.io;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.SplittableRandom;
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
    public long bytesCreated() {
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
        if (shape == null || shape.length == 0) return get(name);
        long n = HostTensor.numel(shape);
        if (n * 4 > Integer.MAX_VALUE) throw new ModelLoadException("synthetic weight '" + name + "' is over 2 GiB");
        ByteBuffer b = ByteBuffer.allocateDirect((int) (n * 4)).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer f = b.asFloatBuffer();
        long fanIn = shape.length == 1 ? 1 : n / shape[0];
        boolean norm = shape.length == 1 && name.endsWith("weight");
        // uniform(-a, a) has variance a²/3; a = sqrt(3/fanIn) gives variance 1/fanIn
        double a = shape.length == 1 ? 0.05 : Math.sqrt(3.0 / fanIn);
        SplittableRandom r = new SplittableRandom(seed ^ name.hashCode());
        for (long i = 0; i < n; i++) {
            double u = (r.nextDouble() * 2 - 1) * a;
            f.put((float) (norm ? 1 + u : u));
        }
        bytes += n * 4;
        // read-only like a mapped checkpoint, so a CPU backend may use the buffer in place instead of copying
        return new HostTensor(DType.F32, shape, b.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN));
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
