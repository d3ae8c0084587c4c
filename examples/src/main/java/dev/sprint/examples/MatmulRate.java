package dev.sprint.examples;

import dev.sprint.api.Precision;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.Backends;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Locale;

/**
 * The matmul rate of this machine on a backend in one compute type, measured in the same run as a benchmark, so
 * stage times can be reported as a share of it (absolute times differ about 2x between machines of one kind).
 *
 * @param backend name of the backend measured
 * @param dtype   the compute type measured (F32, BF16)
 * @param n       side of the square matrices
 * @param gflops  best of the timed runs, in GFLOP/s (2·n³ per product)
 */
record MatmulRate(String backend, String dtype, int n, double gflops) {
    static final int SIDE = 4096;

    static MatmulRate measure(String backendName, int threads) {
        return measure(backendName, threads, Precision.FLOAT32);
    }

    /** The rate in {@code precision} (a backend that cannot compute it throws its BackendUnavailableException). */
    static MatmulRate measure(String backendName, int threads, Precision precision) {
        try (TensorBackend be = (TensorBackend) Backends.select(backendName)
                .open(new BackendOptions("cpu", false, precision, threads, null))) {
            double best = 0;
            try (Scope s = be.newScope()) {
                float[] v = new float[SIDE * SIDE];
                for (int i = 0; i < v.length; i++) v[i] = (i % 7 - 3) * 0.01f;
                Tensor a = be.fromFloats(v, SIDE, SIDE);
                Tensor b = be.fromFloats(v, SIDE, SIDE);
                for (int r = 0; r < 4; r++) {
                    try (Scope rs = be.newScope()) {
                        long t0 = System.nanoTime();
                        Tensor c = a.matmul(b);
                        be.toFloats(c.slice(0, 0, 1)); // forces execution on lazy backends
                        double sec = (System.nanoTime() - t0) / 1e9;
                        if (r > 0) best = Math.max(best, 2.0 * SIDE * SIDE * (double) SIDE / sec / 1e9); // r = 0 warms up
                    }
                }
            }
            return new MatmulRate(be.name(), be.floatType().toString(), SIDE, best);
        }
    }

    /** Seconds that {@code gflop} GFLOP take at this rate. */
    double floorSeconds(double gflop) {
        return gflop / gflops;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "matmul rate: %.1f GFLOP/s (%s %d^3 on %s)", gflops, dtype, n, backend);
    }
}
