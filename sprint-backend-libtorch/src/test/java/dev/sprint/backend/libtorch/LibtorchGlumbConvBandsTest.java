package dev.sprint.backend.libtorch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.GLUMBConv;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.UnaryOp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * GLUMBConv on an activation large enough to run in bands of rows (a DC-AE 128² stage's 4096-channel
 * intermediates) against the block computed on the whole image, op by op, for band counts that divide the rows and
 * that leave a short last band: bf16 values exactly; float32 values up to the order in which the 1×1 convolutions'
 * GEMM sums (its blocking depends on the pixel count): within 1e-6 of the output's largest magnitude.
 */
class LibtorchGlumbConvBandsTest {
    private static final long C = 8;
    private static final long HIDDEN = 1024;
    private static final long W = 1024;

    private static WeightSource weights(Random rnd) {
        Map<String, HostTensor> m = new HashMap<>();
        m.put("conv_inverted.weight", random(rnd, 2 * HIDDEN, C, 1, 1));
        m.put("conv_inverted.bias", random(rnd, 2 * HIDDEN));
        m.put("conv_depth.weight", random(rnd, 2 * HIDDEN, 1, 3, 3));
        m.put("conv_depth.bias", random(rnd, 2 * HIDDEN));
        m.put("conv_point.weight", random(rnd, C, HIDDEN, 1, 1));
        return new WeightSource() {
            @Override
            public Set<String> names() {
                return m.keySet();
            }

            @Override
            public HostTensor get(String name) {
                return m.get(name);
            }

            @Override
            public String origin(String name) {
                return "test";
            }

            @Override
            public void close() {}
        };
    }

    private static HostTensor random(Random rnd, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        float[] f = new float[(int) n];
        for (int i = 0; i < f.length; i++) f[i] = (float) (rnd.nextGaussian() * 0.3);
        return HostTensor.ofFloats(f, shape);
    }

    /** The block on the whole image, as diffusers writes it. */
    private static Tensor whole(TensorBackend be, Weights w, Tensor x) {
        int[] one = {1, 1};
        Tensor y = be.conv2d(x, w.take("conv_inverted.weight", 2 * HIDDEN, C, 1, 1), w.take("conv_inverted.bias", 2 * HIDDEN),
                one, new int[] {0, 0}, one, 1);
        y = be.unaryInPlace(y, UnaryOp.SILU);
        Tensor d = be.conv2d(y, w.take("conv_depth.weight", 2 * HIDDEN, 1, 3, 3), w.take("conv_depth.bias", 2 * HIDDEN), one, one,
                one, (int) (2 * HIDDEN));
        List<Tensor> g = be.chunk(d, 2, 1);
        Tensor gated = be.mul(g.get(0), be.unary(g.get(1), UnaryOp.SILU));
        return be.conv2d(gated, w.take("conv_point.weight", C, HIDDEN, 1, 1), null, one, new int[] {0, 0}, one, 1);
    }

    private static void check(TensorBackend be, long rows) {
        long rowBytes = 2 * HIDDEN * W * be.floatType().bytes();
        assertTrue(rows * rowBytes > 16L << 20, "the activation must be large enough to be banded");
        Random rnd = new Random(rows);
        try (WeightSource src = weights(rnd); Scope s = be.newScope()) {
            Weights w = new Weights(src, be);
            Tensor x = be.upload(random(rnd, 1, C, rows, W), be.floatType());
            float[] banded = be.toFloats(new GLUMBConv(w, C, HIDDEN).forward(x));
            float[] reference = be.toFloats(whole(be, w, x));
            if (be.floatType() == DType.BF16) {
                assertArrayEquals(reference, banded, 0f, "bf16 rows " + rows);
            } else {
                assertEquals(reference.length, banded.length);
                float scale = 0;
                for (float v : reference) scale = Math.max(scale, Math.abs(v));
                for (int i = 0; i < reference.length; i++) {
                    assertEquals(reference[i], banded[i], 1e-6 * scale, "float32 rows " + rows + " at " + i);
                }
            }
        }
    }

    @Test
    void bandsGiveTheWholeImageValuesInFloat32() {
        check(LibtorchBackends.F32, 9);  // 2 rows per band: 4 bands and a short one
        check(LibtorchBackends.F32, 8);
    }

    @Test
    void bandsGiveTheWholeImageValuesInBf16() {
        check(LibtorchBackends.BF16, 13); // 4 rows per band: 3 bands and a short one
        check(LibtorchBackends.BF16, 12);
    }
}
