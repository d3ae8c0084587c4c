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
 * {@code upsamplePhases} with bf16 phases and a float32 shortcut (the DC-AE decoder under bf16: conv outputs are
 * bf16, its residual stream float32), channels-last like the decoder's tensors: every output is exactly
 * {@code float(phase) + shortcut}, as PyTorch's promotion computes it. The float32 case is in the conformance suite.
 */
class LibtorchUpsamplePhasesTest {
    private final dev.sprint.core.tensor.TensorBackend be = LibtorchBackends.BF16;

    @Test
    void mixedTypesGiveTheFloat32Sums() {
        long b = 2, c = 4, h = 3, w = 5;
        Random rnd = new Random(7);
        for (int r : new int[] {1, 2, 4, 8}) {
            try (Scope s = be.newScope()) {
                float[] p = new float[(int) (b * (h + 1) * (w + 1) * 4 * c)];
                for (int i = 0; i < p.length; i++) p[i] = bf16((float) rnd.nextGaussian());
                long in = 4 * c / r;
                float[] x = new float[(int) (b * h * w * in)];
                for (int i = 0; i < x.length; i++) x[i] = (float) rnd.nextGaussian();
                // NHWC data viewed as NCHW: channels-last tensors, as the decoder's convolutions return them
                Tensor phases = be.upload(HostTensor.ofFloats(p, b, h + 1, w + 1, 4 * c), DType.BF16).permute(0, 3, 1, 2);
                Tensor shortcut = be.upload(HostTensor.ofFloats(x, b, h, w, in), DType.F32).permute(0, 3, 1, 2);
                Tensor y = be.upsamplePhases(phases, shortcut, r);
                assertEquals(DType.F32, y.dtype(), "bf16 + float32 promotes to float32");
                assertArrayEquals(new long[] {b, c, 2 * h, 2 * w}, y.shape());
                float[] got = be.toFloats(y);
                for (int bi = 0; bi < b; bi++) for (int ci = 0; ci < c; ci++) for (int i = 0; i < h; i++) for (int py = 0; py < 2; py++) {
                    for (int j = 0; j < w; j++) for (int px = 0; px < 2; px++) {
                        int ph = 2 * py + px;
                        float phase = p[(int) (((bi * (h + 1) + i + py) * (w + 1) + j + px) * 4 * c + ph * c + ci)];
                        float sc = x[(int) (((bi * h + i) * w + j) * in + (4L * ci + ph) / r)];
                        int at = (int) (((bi * c + ci) * 2 * h + 2 * i + py) * 2 * w + 2 * j + px);
                        assertEquals(phase + sc, got[at], 0f, "r=" + r + " at " + at);
                    }
                }
            }
        }
    }

    /** The nearest bf16 value (round to nearest even), so the upload stores it exactly. */
    private static float bf16(float v) {
        int bits = Float.floatToRawIntBits(v);
        bits += 0x7FFF + ((bits >> 16) & 1);
        return Float.intBitsToFloat(bits & 0xFFFF0000);
    }
}
