package dev.sprint.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtSession;
import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The session cache: reuse across calls of the same graph, weights in the key, the LRU bound, and its options. */
class OnnxSessionCacheTest {

    private static OnnxBackend open(Map<String, String> extra) {
        return (OnnxBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 1, extra));
    }

    /** y = silu(x·wᵀ + b)·0.5, a small component forward pass. */
    private static Function<List<Tensor>, List<Tensor>> component(OnnxBackend be, Tensor w, Tensor b) {
        return in -> List.of(be.silu(be.linear(in.get(0), w, b)).mul(0.5));
    }

    private static float silu(float v) {
        return (float) (v / (1 + Math.exp(-v)));
    }

    @Test
    void repeatedCallWithSameShapesReusesTheSession() {
        try (OnnxBackend be = open(Map.of())) {
            Tensor w = be.weight(HostTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
            Tensor b = be.weight(HostTensor.ofFloats(new float[] {0.5f, -1}, 2));
            var fn = component(be, w, b);
            be.call("c", List.of(be.fromFloats(new float[] {1, 0, 0}, 1, 3)), fn);
            long after1 = be.sessionsCreated();
            for (int i = 0; i < 3; i++) {
                float[] out = be.toFloats(be.call("c", List.of(be.fromFloats(new float[] {0, i, 0}, 1, 3)), fn).get(0));
                assertArrayEquals(new float[] {0.5f * silu(2 * i + 0.5f), 0.5f * silu(5 * i - 1)}, out, 1e-6f);
            }
            assertEquals(after1, be.sessionsCreated(), "calls with the same shapes must reuse the cached session");
            // a new shape is a new graph
            be.call("c", List.of(be.fromFloats(new float[6], 2, 3)), fn);
            assertEquals(after1 + 1, be.sessionsCreated());
            assertTrue(be.sessionStats().contains("c: 5 runs, 2 sessions"), be.sessionStats());
        }
    }

    @Test
    void sameGraphWithOtherWeightsGetsItsOwnSession() {
        try (OnnxBackend be = open(Map.of())) {
            Tensor w1 = be.weight(HostTensor.ofFloats(new float[] {1, 0, 0, 1}, 2, 2));
            Tensor w2 = be.weight(HostTensor.ofFloats(new float[] {0, 2, 3, 0}, 2, 2));
            Tensor x = be.fromFloats(new float[] {1, 2}, 1, 2);
            float[] a = be.toFloats(be.call("lin", List.of(x), in -> List.of(be.linear(in.get(0), w1, null))).get(0));
            float[] c = be.toFloats(be.call("lin", List.of(x), in -> List.of(be.linear(in.get(0), w2, null))).get(0));
            assertArrayEquals(new float[] {1, 2}, a, 0f);
            assertArrayEquals(new float[] {4, 3}, c, 0f); // a stale session would give {1, 2} again
        }
    }

    @Test
    void cacheIsBoundedAndEvictedSessionsAreClosed() throws Exception {
        try (OnnxBackend be = open(Map.of("onnx.sessionCache", "2"))) {
            Tensor w = be.weight(HostTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
            var fn = component(be, w, null);
            be.call("c", List.of(be.fromFloats(new float[3], 1, 3)), fn);
            OrtSession first = be.cachedSessions().get(0);
            for (int rows = 2; rows <= 4; rows++) { // three more distinct shapes
                be.call("c", List.of(be.fromFloats(new float[3 * rows], rows, 3)), fn);
                assertTrue(be.sessionsCached() <= 2, "cache holds at most 2 sessions");
            }
            assertEquals(4, be.sessionsCreated());
            assertEquals(2, be.sessionsEvicted());
            assertEquals(2, be.sessionsCached());
            assertTrue(!be.cachedSessions().contains(first));
            assertThrows(IllegalStateException.class, () -> first.run(Map.of()), "an evicted session is closed");
            // the evicted graph still runs (a fresh session) and computes the right thing
            float[] out = be.toFloats(be.call("c", List.of(be.fromFloats(new float[] {1, 1, 1}, 1, 3)), fn).get(0));
            assertArrayEquals(new float[] {0.5f * silu(6), 0.5f * silu(15)}, out, 1e-6f);
            assertEquals(5, be.sessionsCreated());
            assertEquals(3, be.sessionsEvicted());
        }
    }

    @Test
    void scalarsAreEmbeddedInTracedCallsAndFedOutside() {
        try (OnnxBackend be = open(Map.of())) {
            Tensor x = be.fromFloats(new float[] {1, 2}, 2);
            // outside a call a scalar is a fed input: a new value reuses the graph (e.g. a sampler's sigmas)
            be.toFloats(x.mul(3));
            long before = be.sessionsCreated();
            assertArrayEquals(new float[] {5, 10}, be.toFloats(x.mul(5)), 0f);
            assertEquals(before, be.sessionsCreated());
            // inside a call it is a Constant node, so ORT can fold it into its neighbours
            Function<List<Tensor>, List<Tensor>> fn = in -> List.of(in.get(0).mul(7).add(1));
            ONode y = (ONode) be.call("scaled", List.of(x), in -> {
                ONode t = (ONode) fn.apply(in).get(0);
                assertEquals("Constant", t.inputs().get(1).op); // the +1
                assertEquals("Constant", t.inputs().get(0).inputs().get(1).op); // the ·7
                return List.of(t);
            }).get(0);
            assertArrayEquals(new float[] {8, 15}, be.toFloats(y), 0f);
        }
    }

    @Test
    void aCallInsideACallIsInlinedIntoOneGraph() {
        try (OnnxBackend be = open(Map.of())) {
            Tensor x = be.fromFloats(new float[] {1, 2}, 2);
            long before = be.sessionsCreated();
            Tensor y = be.call("outer", List.of(x), in -> {
                Tensor inner = be.call("inner", List.of(in.get(0).mul(2)), t -> List.of(t.get(0).add(1))).get(0);
                assertEquals(null, ((ONode) inner).value(), "the inner call must not run on its own");
                return List.of(inner.mul(3));
            }).get(0);
            assertArrayEquals(new float[] {9, 15}, be.toFloats(y), 0f);
            assertEquals(before + 1, be.sessionsCreated(), "one graph for the outer call");
        }
    }

    @Test
    void closingTheBackendClosesItsSessions() {
        OnnxBackend be = open(Map.of());
        be.toFloats(be.fromFloats(new float[] {1, 2}, 2).mul(3));
        OrtSession s = be.cachedSessions().get(0);
        be.close();
        assertEquals(0, be.sessionsCached());
        assertThrows(IllegalStateException.class, () -> s.run(Map.of()));
    }

    @Test
    void executionModeAndThreadOptions() {
        try (OnnxBackend be = open(Map.of("onnx.executionMode", "parallel", "onnx.interOpThreads", "2"))) {
            // two independent branches, joined
            Tensor x = be.fromFloats(new float[] {1, 2, 3, 4}, 2, 2);
            Tensor y = be.call("branches", List.of(x), in -> List.of(in.get(0).mul(2).add(be.exp(in.get(0)).mul(0)))).get(0);
            assertArrayEquals(new float[] {2, 4, 6, 8}, be.toFloats(y), 0f);
        }
        assertThrows(BackendUnavailableException.class, () -> open(Map.of("onnx.executionMode", "fast")));
        assertThrows(BackendUnavailableException.class, () -> open(Map.of("onnx.sessionCache", "0")));
        assertThrows(BackendUnavailableException.class, () -> open(Map.of("onnx.interOpThreads", "x")));
        assertThrows(BackendUnavailableException.class, () -> open(Map.of("onnx.prepackWeights", "maybe")));
        try (OnnxBackend be = open(Map.of("onnx.prepackWeights", "false"))) {
            Tensor w = be.weight(HostTensor.ofFloats(new float[] {1, 2, 3, 4, 5, 6}, 2, 3));
            Tensor y = be.call("lin", List.of(be.fromFloats(new float[] {1, 0, -1}, 1, 3)),
                    in -> List.of(be.linear(in.get(0), w, null))).get(0);
            assertArrayEquals(new float[] {-2, -2}, be.toFloats(y), 0f);
        }
    }

    @Test
    void fusedKernelsAreEmittedForNormsAndGelu() {
        try (OnnxBackend be = open(Map.of())) {
            Tensor x = be.fromFloats(new float[] {1, 2, 3, 4, 5, 7}, 2, 3);
            Tensor w = be.weight(HostTensor.ofFloats(new float[] {1, 2, 3}, 3));
            assertEquals("LayerNormalization", ((ONode) be.layerNorm(x, w, null, 1e-6)).op);
            assertEquals("LayerNormalization", ((ONode) be.layerNorm(x, null, null, 1e-6)).op);
            assertEquals("SimplifiedLayerNormalization", ((ONode) be.rmsNorm(x, w, 1e-6)).op);
            assertEquals("com.microsoft:Gelu", ((ONode) be.gelu(x)).op);
            assertEquals("com.microsoft:FastGelu", ((ONode) be.geluTanh(x)).op);
            assertEquals("com.microsoft:QuickGelu", ((ONode) be.silu(x)).op);
            // rows: mean 2, var 2/3 and mean 16/3, var 38/9 → hand-computed layer norm of row 0
            float[] ln = be.toFloats(be.layerNorm(x, null, null, 0));
            float s0 = (float) Math.sqrt(2.0 / 3);
            assertArrayEquals(new float[] {-1 / s0, 0, 1 / s0}, java.util.Arrays.copyOf(ln, 3), 1e-6f);
        }
    }
}
