package dev.sprint.backend.libtorch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.api.Precision;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.LowRankUpdate;
import dev.sprint.core.tensor.TensorData;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A LoRA-fused weight merged by libtorch equals W + Σ f·(B·A) computed on the host, for linear and conv weights. */
class LibtorchLowRankMergeTest {
    private static HostTensor rand(Random r, long... shape) {
        float[] v = new float[(int) HostTensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) r.nextGaussian();
        return HostTensor.ofFloats(v, shape);
    }

    private static LowRankUpdate update(HostTensor w, List<LowRankUpdate.Term> terms) {
        return new LowRankUpdate() {
            @Override public TensorData base() { return w; }
            @Override public List<Term> terms() { return terms; }
            @Override public DType dtype() { return DType.F32; }
            @Override public long[] shape() { return w.shape(); }
            @Override public HostTensor host() { throw new AssertionError("libtorch must merge on its own"); }
            @Override public void read(long offset, ByteBuffer dst) { throw new AssertionError("libtorch must merge on its own"); }
        };
    }

    /** The host reference: W + Σ f·(B·A), transposed for fan_in_fan_out, in double. */
    private static double[] expected(HostTensor w, List<LowRankUpdate.Term> terms) {
        float[] base = w.toFloats();
        double[] out = new double[base.length];
        for (int i = 0; i < base.length; i++) out[i] = base[i];
        long[] ws = w.shape();
        for (LowRankUpdate.Term t : terms) {
            float[] a = t.a().toFloats();
            float[] b = t.b().toFloats();
            int o = (int) t.b().shape()[0];
            int r = (int) t.b().shape()[1];
            int in = a.length / r;
            for (int p = 0; p < o; p++) {
                for (int q = 0; q < in; q++) {
                    double s = 0;
                    for (int k = 0; k < r; k++) s += (double) b[p * r + k] * a[k * in + q];
                    int idx = t.transposed() ? q * o + p : p * in + q;
                    out[idx] += t.factor() * s;
                }
            }
        }
        assertEquals(HostTensor.numel(ws), out.length);
        return out;
    }

    private static void check(LibtorchBackend be, HostTensor w, List<LowRankUpdate.Term> terms, double tol) {
        float[] got = be.toFloats(be.weight(update(w, terms)));
        double[] want = expected(w, terms);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], tol * Math.max(1, Math.abs(want[i])), "element " + i);
    }

    @Test
    void linearAndConvWeightsWithTwoAdaptersMatchTheHostMerge() {
        Random r = new Random(7);
        try (LibtorchBackend be = LibtorchBackends.open(Precision.FLOAT32)) {
            HostTensor w = rand(r, 24, 40);
            check(be, w, List.of(new LowRankUpdate.Term(rand(r, 4, 40), rand(r, 24, 4), 0.8, false),
                    new LowRankUpdate.Term(rand(r, 2, 40), rand(r, 24, 2), -0.5, false)), 1e-5);
            HostTensor fanInFanOut = rand(r, 40, 24); // stored (in, out)
            check(be, fanInFanOut, List.of(new LowRankUpdate.Term(rand(r, 4, 40), rand(r, 24, 4), 1.5, true)), 1e-5);
            HostTensor conv = rand(r, 8, 6, 3, 3);
            check(be, conv, List.of(new LowRankUpdate.Term(rand(r, 2, 6, 3, 3), rand(r, 8, 2, 1, 1), 0.7, false)), 1e-5);
        }
        try (LibtorchBackend be = LibtorchBackends.open(Precision.BFLOAT16)) { // merged in float32, then rounded once
            HostTensor w = rand(r, 16, 32);
            check(be, w, List.of(new LowRankUpdate.Term(rand(r, 4, 32), rand(r, 16, 4), 0.8, false)), 1.0 / 128);
        }
    }
}
