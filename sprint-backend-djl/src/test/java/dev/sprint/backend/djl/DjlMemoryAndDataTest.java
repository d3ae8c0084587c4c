package dev.sprint.backend.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.BackendException;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.Half;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.UnaryOp;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the conformance suite cannot see from outside: native arrays are owned by the right
 * NDManager (scopes free intermediates, weights never leak results into the root manager), uploads
 * copy or alias correctly, DJL-specific conversions, and hand-computed values for the composed activations.
 */
class DjlMemoryAndDataTest extends DjlBackends.PerTest { // a fresh backend per test: the array counts are this test's alone

    @Test
    void scopeFreesIntermediatesOfOpsOnWeightsAndKeepsResults() {
        Tensor w = be.fromFloats(new float[] {1, -2, 3, -4, 5, -6}, 2, 3); // a "weight": root manager
        Tensor bias = be.fromFloats(new float[] {0.5f, -0.5f}, 2);
        int rootBefore = be.rootArrayCount();
        assertEquals(2, rootBefore);
        Tensor kept;
        try (Scope s = be.newScope()) {
            Tensor x = be.fromFloats(new float[] {1, 2, 3}, 1, 3);
            Tensor y = be.linear(x, w, bias);
            assertOnlyResultAdded("linear", () -> be.linear(x, w, bias));
            assertOnlyResultAdded("linear without bias", () -> be.linear(x, w, null));
            assertOnlyResultAdded("upload", () -> be.fromFloats(new float[] {1}, 1));
            assertOnlyResultAdded("scalar", () -> be.scalar(0.5));
            assertOnlyResultAdded("add", () -> be.add(w, w));
            // composed ops make temporaries in w's (root) manager: each must be closed, only its result may remain
            for (UnaryOp op : UnaryOp.values()) assertOnlyResultAdded(op.toString(), () -> be.unary(w, op));
            assertOnlyResultAdded("layerNorm", () -> be.layerNorm(w, null, null, 1e-5));
            assertOnlyResultAdded("full int64", () -> be.full(1L << 40, DType.I64, 2));
            assertOnlyResultAdded("full float64", () -> be.full(0.1, DType.F64, 2));
            assertOnlyResultAdded("cast", () -> be.cast(w, DType.F16));
            assertOnlyResultAdded("upload bf16", () -> be.upload(new HostTensor(DType.BF16, new long[] {1},
                    ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort(0, (short) 0x3f80)), DType.F32));
            Tensor z = be.mul(be.add(y, y), be.scalar(0.5));
            assertTrue(be.currentScopeArrayCount() > UnaryOp.values().length, "results live in the scope");
            assertEquals(rootBefore + be.currentScopeArrayCount(), be.rootArrayCount(), "nothing but the scope grew");
            kept = s.keep(z);
        }
        // only the kept result moved to the root; every intermediate (and every temporary) is gone
        assertEquals(rootBefore + 1, be.rootArrayCount());
        // y = x·wᵀ + b = [1-4+9+0.5, -4+10-18-0.5]
        assertArrayEquals(new float[] {6.5f, -12.5f}, be.toFloats(kept));
    }

    private void assertOnlyResultAdded(String what, java.util.function.Supplier<Tensor> op) {
        int root = be.rootArrayCount();
        int scope = be.currentScopeArrayCount();
        op.get();
        assertEquals(scope + 1, be.currentScopeArrayCount(), what + ": one result in the scope");
        assertEquals(root + 1, be.rootArrayCount(), what + ": no temporary left behind");
    }

    @Test
    void nestedScopesAndKeepingAWeightDoesNotMoveIt() {
        Tensor w = be.fromFloats(new float[] {1, 2}, 2);
        Tensor out;
        try (Scope outer = be.newScope()) {
            try (Scope inner = be.newScope()) {
                Tensor same = be.cast(w, DType.F32); // identity: must stay the weight
                inner.keep(same);
                out = inner.keep(be.exp(w));
            }
            int inOuter = be.currentScopeArrayCount();
            assertEquals(1, inOuter, "only the kept tensor reached the outer scope");
        }
        assertEquals(1, be.rootArrayCount(), "the outer scope freed the kept tensor it was not asked to keep");
        assertArrayEquals(new float[] {1, 2}, be.toFloats(w), "the weight survived both scopes");
        Tensor gone = out;
        assertThrows(RuntimeException.class, () -> be.toFloats(gone));
    }

    @Test
    void closingScopesOutOfOrderIsAnError() {
        Scope a = be.newScope();
        Scope b = be.newScope();
        assertThrows(dev.sprint.api.BackendException.class, a::close);
        b.close();
        a.close();
    }

    @Test
    void uploadCopiesWritableBuffersAndReadsMappedOnesInPlace() {
        ByteBuffer direct = ByteBuffer.allocateDirect(12).order(ByteOrder.LITTLE_ENDIAN);
        direct.putFloat(1).putFloat(2).putFloat(3).flip();
        Tensor t = be.upload(new HostTensor(DType.F32, new long[] {3}, direct), DType.F32);
        direct.putFloat(0, 99); // the caller reuses its buffer
        assertArrayEquals(new float[] {1, 2, 3}, be.toFloats(t), "a writable buffer is copied");

        // a read-only direct buffer at an odd offset (a checkpoint slice that is not 4-byte aligned)
        ByteBuffer file = ByteBuffer.allocateDirect(13).order(ByteOrder.LITTLE_ENDIAN);
        file.position(1);
        file.putFloat(-1.5f).putFloat(2.25f).putFloat(1e-30f);
        file.position(1);
        ByteBuffer slice = file.slice().order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        Tensor m = be.upload(new HostTensor(DType.F32, new long[] {3}, slice), DType.F32);
        assertArrayEquals(new float[] {-1.5f, 2.25f, 1e-30f}, be.toFloats(m));
        // a buffer whose position is not 0 (DJL ignores positions: the backend must slice)
        ByteBuffer offset = ByteBuffer.allocateDirect(16).order(ByteOrder.LITTLE_ENDIAN);
        offset.putFloat(7).putFloat(8).putFloat(9).putFloat(10).position(8);
        Tensor o = be.upload(new HostTensor(DType.F32, new long[] {2}, offset.asReadOnlyBuffer()), DType.F32);
        assertArrayEquals(new float[] {9, 10}, be.toFloats(o));
    }

    @Test
    void bf16AndF16AreConvertedInJavaAndInt64StaysInt64() {
        float[] v = {1.5f, -3.140625f, 65504f, 0.0001f};
        ByteBuffer bf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer hf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            bf.putShort(Half.floatToBf16(x));
            hf.putShort(Half.fromFloat(x));
        }
        bf.flip();
        hf.flip();
        Tensor b = be.weight(new HostTensor(DType.BF16, new long[] {2, 2}, bf));
        Tensor h = be.weight(new HostTensor(DType.F16, new long[] {2, 2}, hf));
        assertEquals(DType.F32, b.dtype());
        float[] wantB = new float[4];
        float[] wantH = new float[4];
        for (int i = 0; i < 4; i++) {
            wantB[i] = Half.bf16ToFloat(Half.floatToBf16(v[i]));
            wantH[i] = Half.toFloat(Half.fromFloat(v[i]));
        }
        assertArrayEquals(wantB, be.toFloats(b));
        assertArrayEquals(wantH, be.toFloats(h));

        Tensor idx = be.weight(HostTensor.ofLongs(new long[] {2, 0, 1L << 40}, 3));
        assertEquals(DType.I64, idx.dtype());
        assertArrayEquals(new long[] {2, 0, 1L << 40}, be.toLongs(idx));
        assertArrayEquals(new long[] {(1L << 40) + 1, (1L << 40) + 1}, be.toLongs(be.full((1L << 40) + 1, DType.I64, 2)),
                "full keeps int64 values float32 cannot hold");
        assertEquals(0.1, be.download(be.full(0.1, DType.F64, 1)).toDoubles()[0], 0.0, "full keeps float64 values");
    }

    @Test
    void resultTypesFollowTheArraysNotTheFirstOperand() {
        Tensor x = be.fromFloats(new float[] {1.0078125f, 2}, 2);
        Tensor b = be.cast(x, DType.BF16);
        assertEquals(DType.BF16, b.dtype());
        Tensor sum = be.add(b, b); // computed on the float32 values underneath
        assertEquals(DType.F32, sum.dtype());
        assertArrayEquals(new float[] {2.015625f, 4}, be.toFloats(sum));
        Tensor back = be.cast(b, DType.F32);
        assertEquals(DType.F32, back.dtype());
        assertArrayEquals(new float[] {1.0078125f, 2}, be.toFloats(back));
    }

    @Test
    void libtorchErrorsBecomeBackendExceptions() {
        Tensor a = be.zeros(2, 3);
        Tensor b = be.zeros(4, 3);
        BackendException e = assertThrows(BackendException.class, () -> be.add(a, b));
        assertTrue(e.getMessage().contains("libtorch"), e.getMessage());
        assertThrows(BackendException.class, () -> be.matmul(a, b));
    }

    @Test
    void matmulBroadcastsBatchDimensionsLikeTorch() {
        // a (2,1,1,2) · b (3,2,1) → (2,3,1,1); a[i] = [i+1, 1], b[j] = [j, 2] → (i+1)·j + 2
        Tensor a = be.fromFloats(new float[] {1, 1, 2, 1}, 2, 1, 1, 2);
        Tensor b = be.fromFloats(new float[] {0, 2, 1, 2, 2, 2}, 3, 2, 1);
        Tensor c = be.matmul(a, b);
        assertArrayEquals(new long[] {2, 3, 1, 1}, c.shape());
        assertArrayEquals(new float[] {2, 3, 4, 2, 4, 6}, be.toFloats(c));
    }

    @Test
    void composedActivationsMatchHandComputedValues() {
        float[] xs = {-3, -1, 0, 0.5f, 2};
        Tensor x = be.fromFloats(xs, 5);
        float[] tanhGelu = be.toFloats(be.unary(x, UnaryOp.GELU_TANH));
        float[] quick = be.toFloats(be.unary(x, UnaryOp.QUICK_GELU));
        float[] silu = be.toFloats(be.unary(x, UnaryOp.SILU));
        float[] gelu = be.toFloats(be.unary(x, UnaryOp.GELU));
        float[] rsqrt = be.toFloats(be.unary(be.fromFloats(new float[] {4, 0.25f}, 2), UnaryOp.RSQRT));
        for (int i = 0; i < xs.length; i++) {
            double v = xs[i];
            double tg = 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            double qg = v / (1 + Math.exp(-1.702 * v));
            double si = v / (1 + Math.exp(-v));
            assertEquals(tg, tanhGelu[i], 1e-6, "gelu tanh at " + v);
            assertEquals(qg, quick[i], 1e-6, "quick gelu at " + v);
            assertEquals(si, silu[i], 1e-6, "silu at " + v);
        }
        // exact GELU at points where Φ is tabulated: Φ(-1) = 0.15865525, Φ(2) = 0.97724987
        assertEquals(-0.15865525, gelu[1], 1e-6);
        assertEquals(2 * 0.97724987, gelu[4], 1e-6);
        assertEquals(0, gelu[2], 0);
        assertArrayEquals(new float[] {0.5f, 2}, rsqrt);
    }

    @Test
    void layerNormWithAndWithoutAffineAndGroupedDilatedConv() {
        Tensor x = be.fromFloats(new float[] {1, 2, 3, 4, -1, -1, 1, 1}, 2, 4);
        float[] y = be.toFloats(be.layerNorm(x, null, null, 0));
        double s = 1 / Math.sqrt(1.25); // row 1: mean 2.5, var 1.25
        float[] want = {(float) (-1.5 * s), (float) (-0.5 * s), (float) (0.5 * s), (float) (1.5 * s), -1, -1, 1, 1};
        for (int i = 0; i < 8; i++) assertEquals(want[i], y[i], 1e-6, "layerNorm " + i);
        Tensor w = be.fromFloats(new float[] {2, 2, 2, 2}, 4);
        Tensor b = be.fromFloats(new float[] {1, 1, 1, 1}, 4);
        float[] ya = be.toFloats(be.layerNorm(x, w, b, 0));
        for (int i = 0; i < 8; i++) assertEquals(2 * want[i] + 1, ya[i], 2e-6, "affine layerNorm " + i);

        // groups = 2 (depthwise), dilation 2, padding 2: a 1×1 "image" of ones sees only the centre tap
        float[] img = new float[2 * 3 * 3];
        for (int i = 0; i < img.length; i++) img[i] = i;
        Tensor in = be.fromFloats(img, 1, 2, 3, 3);
        float[] k = new float[2 * 3 * 3];
        k[4] = 1; // channel 0: centre tap → identity
        k[9] = 1; // channel 1: top-left tap (dilated: offset (-2, -2))
        Tensor kernel = be.fromFloats(k, 2, 1, 3, 3);
        Tensor out = be.conv2d(in, kernel, be.fromFloats(new float[] {0, 100}, 2), new int[] {1, 1}, new int[] {2, 2},
                new int[] {2, 2}, 2);
        assertArrayEquals(new long[] {1, 2, 3, 3}, out.shape());
        float[] o = be.toFloats(out);
        for (int i = 0; i < 9; i++) assertEquals(img[i], o[i], 0, "identity channel");
        // channel 1 at (r, c) reads (r-2, c-2): only (2,2) reads (0,0) = 9; the rest is zero padding
        float[] want1 = {100, 100, 100, 100, 100, 100, 100, 100, 109};
        for (int i = 0; i < 9; i++) assertEquals(want1[i], o[9 + i], 0, "dilated channel at " + i);
    }

    @Test
    void concatOfOnePartAndChunkingReturnUsableTensors() {
        Tensor x = be.fromFloats(new float[] {1, 2, 3, 4}, 4);
        try (Scope s = be.newScope()) {
            Tensor c = be.concat(List.of(x), 0);
            s.keep(c);
        }
        assertArrayEquals(new float[] {1, 2, 3, 4}, be.toFloats(x), "the input of a one-part concat survives");
    }

    @Test
    void anArenaHoldsWhatItBuiltAndFreesItAsAUnit() {
        int rootBefore = be.rootArrayCount();
        dev.sprint.core.tensor.Arena arena = be.newArena();
        Tensor[] w = new Tensor[2];
        arena.build(() -> {
            w[0] = be.fromFloats(new float[] {1, 2, 3}, 3);
            w[1] = w[0].add(1.0); // derived at build time: also the arena's
            return null;
        });
        assertEquals(rootBefore + 2, be.rootArrayCount(), "the arena (a sub-manager of the root) holds both");
        try (Scope s = be.newScope()) {
            // ops on arena tensors belong to the scope they run in, not to the arena
            assertEquals(7f, be.toFloats(w[1].add(w[0]))[2]);
        }
        assertEquals(4f, be.toFloats(w[1])[2]);
        arena.close();
        assertThrows(RuntimeException.class, () -> be.toFloats(w[1]));
        arena.close(); // idempotent
        assertEquals(rootBefore, be.rootArrayCount());
    }
}
