package dev.sprint.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Hand-computed checks of the lazy graph execution, weights as initializers, and the session cache. */
class OnnxBackendSmokeTest {
    static OnnxBackend be;

    @BeforeAll
    static void open() {
        be = (OnnxBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 1, null));
    }

    @AfterAll
    static void close() {
        be.close();
    }

    @Test
    void linearWithWeightInitializer() {
        Tensor w = be.weight(HostTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Tensor b = be.weight(HostTensor.ofFloats(new float[] {10, 20}, 2));
        Tensor x = be.fromFloats(new float[] {1, 0, -1, 2, 1, 0}, 2, 3);
        long before = be.sessionsCreated();
        List<Tensor> out = be.call("lin", List.of(x), in -> List.of(be.linear(in.get(0), w, b)));
        // [1,0,-1]·[1,2,3] = -2 ; ·[4,5,6] = -2 ; [2,1,0]·[1,2,3] = 4 ; ·[4,5,6] = 13
        assertArrayEquals(new float[] {8, 18, 14, 33}, be.toFloats(out.get(0)), 1e-6f);
        // same structure, new data: served by the cached session
        Tensor x2 = be.fromFloats(new float[] {0, 0, 1, 0, 0, 0}, 2, 3);
        List<Tensor> out2 = be.call("lin", List.of(x2), in -> List.of(be.linear(in.get(0), w, b)));
        assertArrayEquals(new float[] {13, 26, 10, 20}, be.toFloats(out2.get(0)), 1e-6f);
        assertEquals(1, be.sessionsCreated() - before, "second call must reuse the cached session");
    }

    @Test
    void exportedGraphRunsInAFreshSession(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        Tensor w = be.weight(HostTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
        Tensor b = be.weight(HostTensor.ofFloats(new float[] {10, 20}, 2));
        java.util.function.Function<List<Tensor>, List<Tensor>> fn =
                in -> List.of(be.silu(be.linear(in.get(0), w, b)).mul(0.5));
        float[] x = {1, 0, -1, 2, 1, 0};
        java.nio.file.Path file = be.export("tiny", List.of(HostTensor.ofFloats(x, 2, 3)), List.of("x"), List.of("y"), fn, dir);
        float[] expected = be.toFloats(be.call("tiny", List.of(be.fromFloats(x, 2, 3)), fn).get(0));
        ai.onnxruntime.OrtEnvironment env = OrtEnvironments.get();
        try (ai.onnxruntime.OrtSession s = env.createSession(file.toString(), new ai.onnxruntime.OrtSession.SessionOptions());
             ai.onnxruntime.OnnxTensor in = ai.onnxruntime.OnnxTensor.createTensor(env, java.nio.FloatBuffer.wrap(x), new long[] {2, 3});
             ai.onnxruntime.OrtSession.Result r = s.run(java.util.Map.of("x", in))) {
            float[][] y = (float[][]) r.get("y").orElseThrow().getValue();
            float[] flat = {y[0][0], y[0][1], y[1][0], y[1][1]};
            assertArrayEquals(expected, flat, 0f);
        }
    }

    @Test
    void eagerOpsOutsideCalls() {
        Tensor x = be.fromFloats(new float[] {1, 2, 3, 4}, 2, 2);
        Tensor y = x.mul(2).add(1).sub(be.fromFloats(new float[] {1, 1}, 2));
        assertArrayEquals(new float[] {2, 4, 6, 8}, be.toFloats(y), 0f);
        assertArrayEquals(new float[] {6, 14}, be.toFloats(be.sum(y, -1, false)), 0f);
        assertArrayEquals(new long[] {2}, be.sum(y, 1, false).shape());
    }

    @Test
    void convAndGather() {
        Tensor x = be.fromFloats(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
        Tensor k = be.weight(HostTensor.ofFloats(new float[] {1, 1, 1, 1}, 1, 1, 2, 2));
        Tensor c = be.conv2d(x, k, null, new int[] {1, 1}, new int[] {0, 0}, new int[] {1, 1}, 1);
        assertArrayEquals(new float[] {12, 16, 24, 28}, be.toFloats(c), 0f);
        Tensor g = be.indexSelect(x.reshape(3, 3), 0, be.fromLongs(new long[] {2, 0}, 2));
        assertArrayEquals(new float[] {7, 8, 9, 1, 2, 3}, be.toFloats(g), 0f);
    }
}
