package dev.sprint.core.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.Half;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.UnaryOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The reference backend against hand-computed values, so that it can be trusted as the float64 oracle. */
class ReferenceBackendTest {
    private final ReferenceBackend b = new ReferenceBackend();

    private Tensor t(double[] v, long... shape) {
        return b.fromDoubles(v, DType.F32, shape);
    }

    private double[] v(Tensor x) {
        return b.doubles(x);
    }

    private static void near(double[] want, double[] got, double tol) {
        assertEquals(want.length, got.length, "length");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], tol, "element " + i);
        }
    }

    @Test
    void identity() {
        assertEquals("reference", b.name());
        assertEquals("cpu", b.device());
        assertEquals(DType.F32, b.floatType());
    }

    @Test
    void broadcastingAddOfRowAndColumn() {
        // (1,3) + (2,1) → (2,3): [[1,2,3]] + [[10],[20]]
        Tensor y = b.add(t(new double[] {1, 2, 3}, 1, 3), t(new double[] {10, 20}, 2, 1));
        assertArrayEquals(new long[] {2, 3}, y.shape());
        assertArrayEquals(new double[] {11, 12, 13, 21, 22, 23}, v(y));
        Tensor z = b.sub(t(new double[] {5}, new long[0]), t(new double[] {1, 2, 3, 4}, 2, 2));
        assertArrayEquals(new double[] {4, 3, 2, 1}, v(z));
        Tensor d = b.div(t(new double[] {1, 2, 3, 4, 5, 6}, 2, 3), t(new double[] {1, 2, 4}, 3));
        assertArrayEquals(new double[] {1, 1, 0.75, 4, 2.5, 1.5}, v(d));
        assertThrows(dev.sprint.api.BackendException.class, () -> b.add(b.zeros(2, 3), b.zeros(3, 2)), "as every backend");
    }

    @Test
    void reductionsWithNegativeAxes() {
        // [[1,2,3],[4,5,6]]
        Tensor x = t(new double[] {1, 2, 3, 4, 5, 6}, 2, 3);
        assertArrayEquals(new double[] {6, 15}, v(b.sum(x, -1, false)));
        assertArrayEquals(new long[] {2, 1}, b.sum(x, -1, true).shape());
        assertArrayEquals(new double[] {5, 7, 9}, v(b.sum(x, -2, false)));
        assertArrayEquals(new double[] {2.5, 3.5, 4.5}, v(b.mean(x, 0, true)));
        assertArrayEquals(new long[] {1, 3}, b.mean(x, 0, true).shape());
        assertArrayEquals(new double[] {3, 6}, v(b.max(x, 1, false)));
        Tensor r3 = t(new double[] {1, 8, 3, 4, 5, 2, 7, 0}, 2, 2, 2);
        assertArrayEquals(new double[] {5, 8, 7, 4}, v(b.max(r3, 0, false)));
        assertArrayEquals(new double[] {8, 4, 5, 7}, v(b.max(r3, -1, false)));
        assertArrayEquals(new double[] {4, 12, 12, 2}, v(b.sum(r3, 1, false)));
    }

    @Test
    void softmaxOfLargeValuesIsStable() {
        Tensor x = t(new double[] {1000, 1001, 1002, -1e308, 0, Double.NEGATIVE_INFINITY}, 2, 3);
        double e1 = Math.exp(-1), e2 = Math.exp(-2);
        double z = 1 + e1 + e2;
        near(new double[] {e2 / z, e1 / z, 1 / z, 0, 1, 0}, v(b.softmax(x, -1)), 1e-15);
        // along axis 0: columns [1000, -1e308] etc.
        near(new double[] {1, 1, 1, 0, 0, 0}, v(b.softmax(x, 0)), 1e-15);
    }

    @Test
    void sliceWithNegativeIndices() {
        Tensor x = t(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 2, 5);
        assertArrayEquals(new double[] {3, 4, 8, 9}, v(b.slice(x, -1, -2, 5)));
        assertArrayEquals(new double[] {1, 2, 3, 6, 7, 8}, v(b.slice(x, 1, 1, -1)));
        assertArrayEquals(new double[] {5, 6, 7, 8, 9}, v(b.slice(x, 0, -1, 2)));
        assertArrayEquals(new long[] {2, 0}, b.slice(x, 1, 3, 2).shape(), "an empty slice");
    }

    @Test
    void matmulWithBroadcastBatch() {
        // (2,1,2,2) x (3,2,1) → (2,3,2,1)
        Tensor a = t(new double[] {1, 2, 3, 4, 0, 1, 1, 0}, 2, 1, 2, 2);
        Tensor c = t(new double[] {1, 1, 1, 0, 0, 1}, 3, 2, 1);
        Tensor y = b.matmul(a, c);
        assertArrayEquals(new long[] {2, 3, 2, 1}, y.shape());
        // a0 = [[1,2],[3,4]]; a1 = [[0,1],[1,0]]; c = [1,1], [1,0], [0,1]
        assertArrayEquals(new double[] {3, 7, 1, 3, 2, 4, 1, 1, 0, 1, 1, 0}, v(y));
        Tensor vec = b.matmul(t(new double[] {1, 2}, 2), t(new double[] {1, 2, 3, 4}, 2, 2));
        assertArrayEquals(new long[] {2}, vec.shape(), "1-D left operand as torch.matmul");
        assertArrayEquals(new double[] {7, 10}, v(vec));
    }

    /** conv2d against an independent naive sum over (oc, oy, ox, ic, ky, kx). */
    @Test
    void conv2dMatchesTheDefinition() {
        Random r = new Random(7);
        int n = 2, cin = 4, h = 7, w = 6, cout = 6, groups = 2, kh = 3, kw = 2;
        int[] stride = {2, 1}, pad = {1, 2}, dil = {2, 1};
        double[] x = new double[n * cin * h * w];
        double[] k = new double[cout * (cin / groups) * kh * kw];
        double[] bias = new double[cout];
        for (int i = 0; i < x.length; i++) x[i] = r.nextGaussian();
        for (int i = 0; i < k.length; i++) k[i] = r.nextGaussian();
        for (int i = 0; i < bias.length; i++) bias[i] = r.nextGaussian();
        Tensor y = b.conv2d(t(x, n, cin, h, w), t(k, cout, cin / groups, kh, kw), t(bias, cout), stride, pad, dil, groups);
        int oh = (h + 2 * pad[0] - dil[0] * (kh - 1) - 1) / stride[0] + 1; // (7+2-4-1)/2+1 = 3
        int ow = (w + 2 * pad[1] - dil[1] * (kw - 1) - 1) / stride[1] + 1; // (6+4-1-1)/1+1 = 9
        assertArrayEquals(new long[] {n, cout, 3, 9}, y.shape());
        double[] want = new double[n * cout * oh * ow];
        int cpg = cin / groups, opg = cout / groups;
        for (int bi = 0; bi < n; bi++)
            for (int oc = 0; oc < cout; oc++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++) {
                        double acc = bias[oc];
                        for (int c = 0; c < cpg; c++)
                            for (int ky = 0; ky < kh; ky++)
                                for (int kx = 0; kx < kw; kx++) {
                                    int iy = oy * stride[0] + ky * dil[0] - pad[0];
                                    int ix = ox * stride[1] + kx * dil[1] - pad[1];
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                                    int ic = (oc / opg) * cpg + c;
                                    acc += x[((bi * cin + ic) * h + iy) * w + ix] * k[((oc * cpg + c) * kh + ky) * kw + kx];
                                }
                        want[((bi * cout + oc) * oh + oy) * ow + ox] = acc;
                    }
        near(want, v(y), 1e-12);
    }

    @Test
    void conv2dByHand() {
        // 1x1x3x3 input 1..9, 2x2 kernel of ones, stride 1, no padding → sums of 2x2 windows
        Tensor x = t(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor k = t(new double[] {1, 1, 1, 1}, 1, 1, 2, 2);
        Tensor y = b.conv2d(x, k, null, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
        assertArrayEquals(new double[] {12, 16, 24, 28}, v(y));
        // padding 1, stride 2: windows at (-1,-1), (-1,1), (1,-1), (1,1)
        Tensor p = b.conv2d(x, k, t(new double[] {0.5}, 1), new int[] {2, 2}, new int[] {1, 1}, new int[] {1, 1}, 1);
        assertArrayEquals(new double[] {1.5, 5.5, 11.5, 28.5}, v(p));
        // dilation 2 on a 3x3 kernel footprint: corners 1+3+7+9
        Tensor d = b.conv2d(x, k, null, new int[] {1, 1}, new int[] {0, 0}, new int[] {2, 2}, 1);
        assertArrayEquals(new double[] {20}, v(d));
    }

    @Test
    void unaryValues() {
        // erf reference values (Abramowitz & Stegun / mpmath)
        assertEquals(0.5204998778130465, ReferenceBackend.erf(0.5), 1e-15);
        assertEquals(0.8427007929497149, ReferenceBackend.erf(1), 1e-15);
        assertEquals(0.9953222650189527, ReferenceBackend.erf(2), 1e-15);
        assertEquals(-0.9999779095030014, ReferenceBackend.erf(-3), 1e-15);
        assertEquals(2.209049699858544e-05, ReferenceBackend.erfc(3), 1e-18);
        assertEquals(1.5374597944280349e-12, ReferenceBackend.erfc(5), 1e-25);
        assertEquals(0.0, ReferenceBackend.erf(0));
        Tensor x = t(new double[] {-1, 0, 1, 2}, 4);
        // GELU(1) = 0.5·(1+erf(1/√2)) = 0.8413447460685429
        near(new double[] {-0.15865525393145707, 0, 0.8413447460685429, 1.9544997361036416}, v(b.gelu(x)), 1e-15);
        // tanh approximation at 1: 0.5·(1+tanh(√(2/π)·1.044715))
        assertEquals(0.8411919906082768, v(b.geluTanh(x))[2], 1e-9);
        assertEquals(1 / (1 + Math.exp(-1.702)), v(b.unary(x, UnaryOp.QUICK_GELU))[2], 1e-15);
        assertEquals(1 / (1 + Math.exp(-1.0)), v(b.silu(x))[2], 1e-15);
        assertEquals(0.0, v(b.sigmoid(t(new double[] {-1000}, 1)))[0]);
        assertEquals(1.0, v(b.sigmoid(t(new double[] {1000}, 1)))[0]);
        near(new double[] {0, 0, 1, 2}, v(b.relu(x)), 0);
        near(new double[] {1, 0, 1, 4}, v(b.unary(x, UnaryOp.SQUARE)), 0);
        near(new double[] {-1, 0, 1, 1.5}, v(b.clamp(x, -2, 1.5)), 0);
        assertTrue(Double.isNaN(v(b.clamp(t(new double[] {Double.NaN}, 1), 0, 1))[0]), "clamp keeps NaN");
        near(new double[] {0.5, 2}, v(b.rsqrt(t(new double[] {4, 0.25}, 2))), 1e-15);
        near(new double[] {-1, 0, 1, 8}, v(b.powScalar(x, 3)), 0);
    }

    @Test
    void shapeOps() {
        Tensor x = t(new double[] {0, 1, 2, 3, 4, 5}, 2, 3);
        assertArrayEquals(new long[] {3, 2}, b.reshape(x, -1, 2).shape());
        assertThrows(IllegalArgumentException.class, () -> b.reshape(x, 4, -1));
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, v(b.permute(x, 1, 0)));
        assertArrayEquals(new double[] {0, 3, 1, 4, 2, 5}, v(b.transpose(x, -1, -2)));
        Tensor c = b.concat(List.of(x, t(new double[] {9, 9}, 2, 1)), -1);
        assertArrayEquals(new double[] {0, 1, 2, 9, 3, 4, 5, 9}, v(c));
        Tensor idx = b.fromLongs(new long[] {2, 0, 2}, 3);
        assertArrayEquals(new double[] {2, 0, 2, 5, 3, 5}, v(b.indexSelect(x, 1, idx)));
        assertThrows(IndexOutOfBoundsException.class, () -> b.indexSelect(x, 0, b.fromLongs(new long[] {2}, 1)));
        Tensor bc = b.broadcastTo(t(new double[] {1, 2}, 2, 1), 2, 2, 3);
        assertArrayEquals(new double[] {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2}, v(bc));
        Tensor p = b.pad(x, new long[] {1, 0, 0, 1}, -1);
        assertArrayEquals(new double[] {-1, 0, 1, 2, -1, 3, 4, 5, -1, -1, -1, -1}, v(p));
    }

    @Test
    void castsRoundAndTruncate() {
        Tensor x = t(new double[] {1.0 / 3, -2.7, 2.7, 65519, 1e-8}, 5);
        double[] h = v(b.cast(x, DType.F16));
        assertEquals(Half.toFloat(Half.fromFloat(1f / 3)), h[0]);
        assertEquals(0.333251953125, h[0]);
        assertEquals(65504, h[3], "rounds to F16 max");
        assertEquals(0.0, h[4], "1e-8 underflows to 0 in F16");
        assertEquals(0.333984375, v(b.cast(x, DType.BF16))[0]);
        assertArrayEquals(new long[] {0, -2, 2, 65519, 0}, b.toLongs(b.cast(x, DType.I64)));
        assertEquals(DType.I64, b.cast(x, DType.I64).dtype());
        Tensor d = b.fromDoubles(new double[] {0.1}, DType.F64, 1);
        assertEquals((double) 0.1f, v(b.cast(d, DType.F32))[0], "F64 to F32 rounds to float32");
    }

    @Test
    void uploadDownloadAllDTypes() {
        ByteBuffer bf = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
        bf.putShort(Half.floatToBf16(1.5f)).putShort(Half.floatToBf16(-3f)).flip();
        Tensor t1 = b.upload(new HostTensor(DType.BF16, new long[] {2}, bf), DType.F32);
        assertArrayEquals(new double[] {1.5, -3}, v(t1));
        ByteBuffer u8 = ByteBuffer.wrap(new byte[] {(byte) 255, 7});
        Tensor t2 = b.upload(new HostTensor(DType.U8, new long[] {2}, u8), DType.F32);
        assertArrayEquals(new double[] {255, 7}, v(t2));
        Tensor t3 = b.upload(HostTensor.ofDoubles(new double[] {0.1}, 1), DType.F64);
        assertArrayEquals(new double[] {0.1}, v(t3), "F64 kept exact");
        HostTensor down = b.download(b.fromLongs(new long[] {-5, 1L << 40}, 2));
        assertEquals(DType.I64, down.dtype());
        assertArrayEquals(new long[] {-5, 1L << 40}, down.toLongs());
        HostTensor f = b.download(t(new double[] {0.1}, 1));
        assertEquals(DType.F32, f.dtype());
        assertArrayEquals(new float[] {0.1f}, f.toFloats());
        HostTensor f16 = b.download(b.cast(t(new double[] {0.1}, 1), DType.F16));
        assertEquals(DType.F16, f16.dtype());
        assertEquals(Half.toFloat(Half.fromFloat(0.1f)), f16.toFloats()[0]);
    }

    @Test
    void scopesFreeAndKeep() {
        Tensor outside = b.ones(2);
        Tensor freed;
        Tensor kept;
        try (Scope s = b.newScope()) {
            freed = b.ones(3);
            kept = s.keep(b.addScalar(freed, 1));
            assertSame(kept, s.keep(kept), "keeping twice is harmless");
        }
        assertArrayEquals(new double[] {2, 2, 2}, v(kept));
        assertThrows(IllegalStateException.class, () -> v(freed), "a tensor of a closed scope is released");
        assertArrayEquals(new double[] {1, 1}, v(outside));
        assertEquals(0, b.openScopes());
    }

    @Test
    void closingScopesOutOfOrderThrows() {
        Scope outer = b.newScope();
        Scope inner = b.newScope();
        assertThrows(IllegalStateException.class, outer::close);
        inner.close();
        outer.close();
        assertEquals(0, b.openScopes());
    }

    @Test
    void tinyGoldenSizedConvIsFast() {
        Tensor x = b.full(0.5, DType.F32, 1, 8, 96, 160);
        Tensor w = b.full(0.1, DType.F32, 8, 8, 3, 3);
        long t0 = System.nanoTime();
        Tensor y = b.conv2d(x, w, null, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertArrayEquals(new long[] {1, 8, 96, 160}, y.shape());
        assertEquals(0.5 * 0.1 * 72, v(y)[160 + 1], 1e-12, "interior pixel sums 8·9 taps");
        assertTrue(ms < 2000, "1x8x96x160 3x3 conv took " + ms + " ms");
    }
}
