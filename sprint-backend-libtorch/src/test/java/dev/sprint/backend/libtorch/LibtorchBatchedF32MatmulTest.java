package dev.sprint.backend.libtorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Batched float32 products under bf16 compute (the linear attentions'), which the backend splits between two threads:
 * exactly the float32 backend's products, for odd and even batch counts, plain and transposed (strided) operands.
 */
class LibtorchBatchedF32MatmulTest {
    @Test
    void sameValuesAsOneBatchedProduct() {
        LibtorchBackend bf16 = (LibtorchBackend) LibtorchBackends.BF16;
        LibtorchBackend f32 = (LibtorchBackend) LibtorchBackends.F32;
        Random rnd = new Random(5);
        for (long heads : new long[] {4, 5, 9}) {
            for (boolean transposed : new boolean[] {false, true}) {
                long n = 33, k = 70, m = 48;
                float[] av = gaussian(rnd, (int) (2 * heads * n * k));
                float[] bv = gaussian(rnd, (int) (2 * heads * k * m));
                float[] got;
                float[] want;
                try (Scope s = bf16.newScope()) {
                    got = bf16.toFloats(product(bf16, av, bv, heads, n, k, m, transposed));
                }
                try (Scope s = f32.newScope()) {
                    want = f32.toFloats(product(f32, av, bv, heads, n, k, m, transposed));
                }
                assertEquals(2 * heads * n * m, got.length);
                assertArrayEquals(want, got, heads + " heads, transposed=" + transposed);
            }
        }
    }

    private static Tensor product(LibtorchBackend be, float[] av, float[] bv, long heads, long n, long k, long m, boolean transposed) {
        Tensor a = be.upload(HostTensor.ofFloats(av, 2, heads, n, k), DType.F32);
        // the right operand as a transposed view of (m, k) rows: strided, as a head's keys are
        Tensor b = transposed ? be.upload(HostTensor.ofFloats(bv, 2, heads, m, k), DType.F32).transpose(-1, -2)
                : be.upload(HostTensor.ofFloats(bv, 2, heads, k, m), DType.F32);
        Tensor c = a.matmul(b);
        assertEquals(DType.F32, c.dtype());
        assertArrayEquals(new long[] {2, heads, n, m}, c.shape());
        return c;
    }

    private static float[] gaussian(Random rnd, int count) {
        float[] f = new float[count];
        for (int i = 0; i < count; i++) f[i] = (float) rnd.nextGaussian();
        return f;
    }
}
