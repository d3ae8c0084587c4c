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
 * {@code upsamplePhases} under bf16 compute, with the layouts and types the DC-AE decoder gives it: bf16 phases (conv
 * outputs, channels-last) and a float32 shortcut (the residual stream through the attention stages: every output is
 * exactly {@code float(phase) + shortcut}, as PyTorch's promotion computes it) or a bf16 one (the ResBlock stages:
 * {@code bf16(phase + shortcut)}), channels-last or not, for every repeat factor. The float32 case is in the
 * conformance suite.
 */
class LibtorchUpsamplePhasesTest {
    private final dev.sprint.core.tensor.TensorBackend be = LibtorchBackends.BF16;

    @Test
    void mixedTypesGiveTheFloat32Sums() {
        check(DType.F32, true);
        check(DType.F32, false);
    }

    @Test
    void bf16ShortcutGivesTheRoundedSums() {
        check(DType.BF16, true);
        check(DType.BF16, false);
    }

    private void check(DType shortcutType, boolean channelsLast) {
        long b = 2, c = 4, h = 3, w = 5;
        Random rnd = new Random(7);
        for (int r : new int[] {1, 2, 4, 8}) {
            try (Scope s = be.newScope()) {
                float[] p = new float[(int) (b * (h + 1) * (w + 1) * 4 * c)];
                for (int i = 0; i < p.length; i++) p[i] = bf16((float) rnd.nextGaussian());
                long in = 4 * c / r;
                float[] x = new float[(int) (b * h * w * in)];
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) rnd.nextGaussian();
                    if (shortcutType == DType.BF16) x[i] = bf16(x[i]);
                }
                // NHWC data viewed as NCHW: channels-last tensors, as the decoder's convolutions return them
                Tensor phases = be.upload(HostTensor.ofFloats(p, b, h + 1, w + 1, 4 * c), DType.BF16).permute(0, 3, 1, 2);
                Tensor shortcut;
                if (channelsLast) {
                    shortcut = be.upload(HostTensor.ofFloats(x, b, h, w, in), shortcutType).permute(0, 3, 1, 2);
                } else { // the same values laid out NCHW
                    float[] xn = new float[x.length];
                    for (int bi = 0; bi < b; bi++) for (int ch = 0; ch < in; ch++) for (int i = 0; i < h * w; i++) {
                        xn[(int) ((bi * in + ch) * h * w + i)] = x[(int) ((bi * h * w + i) * in + ch)];
                    }
                    shortcut = be.upload(HostTensor.ofFloats(xn, b, in, h, w), shortcutType);
                }
                Tensor y = be.upsamplePhases(phases, shortcut, r);
                assertEquals(shortcutType, y.dtype(), "bf16 + float32 promotes to float32; bf16 + bf16 stays bf16");
                assertArrayEquals(new long[] {b, c, 2 * h, 2 * w}, y.shape());
                float[] got = be.toFloats(y);
                for (int bi = 0; bi < b; bi++) for (int ci = 0; ci < c; ci++) for (int i = 0; i < h; i++) for (int py = 0; py < 2; py++) {
                    for (int j = 0; j < w; j++) for (int px = 0; px < 2; px++) {
                        int ph = 2 * py + px;
                        float phase = p[(int) (((bi * (h + 1) + i + py) * (w + 1) + j + px) * 4 * c + ph * c + ci)];
                        float sc = x[(int) (((bi * h + i) * w + j) * in + (4L * ci + ph) / r)];
                        float want = shortcutType == DType.BF16 ? bf16(phase + sc) : phase + sc;
                        int at = (int) (((bi * c + ci) * 2 * h + 2 * i + py) * 2 * w + 2 * j + px);
                        assertEquals(want, got[at], 0f, "r=" + r + " channels-last " + channelsLast + " at " + at);
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
