package dev.sprint.backend.libtorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * libtorch's one-pass {@code addRmsNorm} under bf16 compute gives exactly what {@code addInPlace(acc, rmsNorm(x, w, b))}
 * gives, over several chunks of rows with a short last one, into a float32 stream (the DC-AE decoder's) and a bf16 one,
 * through channels-last views as the decoder passes them.
 */
class LibtorchAddRmsNormTest {
    private final TensorBackend be = LibtorchBackends.BF16;

    @Test
    void sameValuesAsTheTwoCalls() {
        long c = 96;
        long rows = LibtorchBackend.RMS_CHUNK_ELEMENTS / c * 2 + 37; // two whole chunks and a short one
        long h = rows / 37, w = 37;
        Random rnd = new Random(11);
        for (DType streamType : new DType[] {DType.F32, DType.BF16}) {
            for (boolean bias : new boolean[] {true, false}) {
                try (Scope s = be.newScope()) {
                    float[] acc = gaussian(rnd, (int) (h * w * c), 1);
                    float[] x = gaussian(rnd, acc.length, 3);
                    Tensor wt = be.upload(HostTensor.ofFloats(gaussian(rnd, (int) c, 1), c), DType.BF16);
                    Tensor bs = bias ? be.upload(HostTensor.ofFloats(gaussian(rnd, (int) c, 1), c), DType.BF16) : null;
                    // NHWC data seen as NCHW, then permuted back: the channels-last views the decoder hands over
                    Tensor a1 = be.upload(HostTensor.ofFloats(acc, 1, h, w, c), streamType).permute(0, 3, 1, 2).permute(0, 2, 3, 1);
                    Tensor a2 = be.upload(HostTensor.ofFloats(acc, 1, h, w, c), streamType).permute(0, 3, 1, 2).permute(0, 2, 3, 1);
                    Tensor xv = be.upload(HostTensor.ofFloats(x, 1, h, w, c), DType.BF16).permute(0, 3, 1, 2).permute(0, 2, 3, 1);
                    float[] expected = be.toFloats(be.addInPlace(a1, be.rmsNorm(xv, wt, bs, 1e-5)));
                    Tensor got = be.addRmsNorm(a2, xv, wt, bs, 1e-5);
                    assertEquals(streamType, got.dtype());
                    assertArrayEquals(new long[] {1, h, w, c}, got.shape());
                    assertArrayEquals(expected, be.toFloats(got), streamType + " stream, bias=" + bias);
                }
            }
        }
    }

    private static float[] gaussian(Random rnd, int n, double scale) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (float) (scale * rnd.nextGaussian());
        return f;
    }
}
