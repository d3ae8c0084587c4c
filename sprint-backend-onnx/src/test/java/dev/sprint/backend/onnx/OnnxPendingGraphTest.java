package dev.sprint.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The glue recorded between component passes: each eager result is computed once and kept (no graph
 * that grows with every sampler step, so one session per graph shape whatever the step values), the
 * pending graph stays bounded however long the caller records without reading back, and evaluated nodes
 * drop their history.
 */
class OnnxPendingGraphTest {

    private static OnnxBackend open() {
        return (OnnxBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 1, Map.of()));
    }

    /**
     * A sampler-shaped loop in float64 on the host and on the backend: per step a scaled model input, one
     * traced component call, and an update mixing the old state, the prediction and fresh noise with
     * scalars that change every step (as TrigFlow's cos/sin of the step's angle do).
     */
    private static float[] sample(OnnxBackend be, Tensor w, int steps, double[] expected) {
        Tensor x = be.fromFloats(new float[] {0.5f, -1, 2}, 1, 3);
        double[] h = {0.5, -1, 2};
        float[][] wv = {{0.5f, 0.1f, 0}, {0, 0.5f, -0.2f}, {0.3f, 0, 0.5f}};
        for (int i = 0; i < steps; i++) {
            double s = 1.5 * (1 - (double) i / steps);
            double a = 1 / (1 + s);
            Tensor xin = x.mul(a);
            Tensor v = be.call("model", List.of(xin), in -> List.of(be.tanh(be.linear(in.get(0), w, null)))).get(0);
            float[] noise = {(float) Math.sin(i), (float) Math.cos(i), 0.25f};
            x = x.mul(Math.cos(s)).sub(v.mul(Math.sin(s))).add(be.fromFloats(noise, 1, 3).mul(0.01));
            // the same in float64
            double[] hin = new double[3];
            for (int k = 0; k < 3; k++) hin[k] = h[k] * a;
            for (int r = 0; r < 3; r++) {
                double dot = 0;
                for (int k = 0; k < 3; k++) dot += wv[r][k] * hin[k];
                double vr = Math.tanh(dot);
                expected[r] = h[r] * Math.cos(s) - vr * Math.sin(s) + noise[r] * 0.01;
            }
            System.arraycopy(expected, 0, h, 0, 3);
        }
        return be.toFloats(x);
    }

    @Test
    void sessionsDoNotDependOnTheNumberOfStepsOrTheirValues() {
        HostTensor wh = HostTensor.ofFloats(new float[] {0.5f, 0.1f, 0, 0, 0.5f, -0.2f, 0.3f, 0, 0.5f}, 3, 3);
        long[] created = new long[3];
        int[] steps = {2, 99, 400};
        for (int k = 0; k < steps.length; k++) {
            try (OnnxBackend be = open()) {
                Tensor w = be.weight(wh);
                double[] want = new double[3];
                float[] got = sample(be, w, steps[k], want);
                for (int r = 0; r < 3; r++) assertEquals(want[r], got[r], 1e-4, steps[k] + " steps, element " + r);
                created[k] = be.sessionsCreated();
                assertEquals(0, be.sessionsEvicted(), be.sessionStats());
                // a second run, other step count and values: nothing new to create
                sample(be, w, steps[k] + 7, want);
                assertEquals(created[k], be.sessionsCreated(), "a second schedule must reuse the sessions: " + be.sessionStats());
                // the glue between two calls is one step's worth, whatever the step count
                assertTrue(be.largestEagerGraph() <= 12, "largest glue graph " + be.largestEagerGraph());
            }
        }
        assertEquals(created[0], created[1], "99 steps must create the sessions of 2 steps");
        assertEquals(created[0], created[2], "400 steps must create the sessions of 2 steps");
    }

    @Test
    void anUnboundedEagerChainRunsAsRepeatsOfOneBoundedGraph() {
        try (OnnxBackend be = open()) {
            Tensor x = be.fromFloats(new float[] {1, 2}, 2);
            double[] h = {1, 2};
            int n = 20_000; // never read back until the end: without a bound, one graph 40 000 nodes deep
            for (int i = 0; i < n; i++) {
                double c = 1 + 1e-6 * (i % 7);
                x = x.mul(c).add(be.fromFloats(new float[] {1e-6f, -1e-6f}, 2));
                h[0] = (float) ((float) (h[0] * (float) c) + 1e-6f);
                h[1] = (float) ((float) (h[1] * (float) c) - 1e-6f);
            }
            float[] got = be.toFloats(x);
            assertEquals(h[0], got[0], 1e-5 * Math.abs(h[0]));
            assertEquals(h[1], got[1], 1e-5 * Math.abs(h[1]));
            assertTrue(be.largestEagerGraph() <= OnnxBackend.MAX_PENDING_DEPTH + 1, "largest graph " + be.largestEagerGraph());
            assertTrue(be.sessionsCreated() <= 3, "the repeated graph must reuse one session: " + be.sessionStats());
        }
    }

    @Test
    void aWideFanInIsRunInBoundedGroups() {
        try (OnnxBackend be = open()) {
            int parts = 40;
            List<Tensor> pending = new java.util.ArrayList<>();
            float want = 0;
            for (int p = 0; p < parts; p++) {
                Tensor t = be.fromFloats(new float[] {p}, 1);
                for (int i = 0; i < 200; i++) t = t.add(1); // 200 pending operations per part
                pending.add(t);
                want += p + 200;
            }
            Tensor sum = be.sum(be.concat(pending, 0), 0, false); // 8000 pending operations behind the concat
            assertEquals(want, be.toFloats(sum)[0], 0f);
            assertTrue(be.largestEagerGraph() <= OnnxBackend.MAX_PENDING_NODES + 1, "largest graph " + be.largestEagerGraph());
        }
    }

    @Test
    void evaluatedNodesForgetTheirInputsAndIntermediatesAreKept() {
        try (OnnxBackend be = open()) {
            Tensor x = be.fromFloats(new float[] {1, 2}, 2);
            ONode mid = (ONode) x.mul(3);
            ONode out = (ONode) mid.add(1);
            assertEquals(2, out.inputs().size());
            assertArrayEquals(new float[] {4, 7}, be.toFloats(out), 0f);
            assertTrue(out.inputs().isEmpty(), "a value needs no history");
            assertNotNull(mid.value(), "an eager intermediate is kept when its graph runs");
            long sessions = be.sessionsCreated();
            assertArrayEquals(new float[] {6, 12}, be.toFloats(mid.mul(2)), 0f);
            assertEquals(sessions + 1, be.sessionsCreated()); // a graph of one Mul: mid is not recomputed
        }
    }

    @Test
    void weightExpressionsStayInTheGraphForOrtToFold() {
        try (OnnxBackend be = open()) {
            // a weight joined from row blocks, as a tensor over 2 GiB is loaded: stays a graph node
            Tensor top = be.weight(HostTensor.ofFloats(new float[] {1, 0}, 1, 2));
            Tensor bottom = be.weight(HostTensor.ofFloats(new float[] {0, 2}, 1, 2));
            ONode w = (ONode) be.concat(List.of(top, bottom), 0);
            assertTrue(w.weightLike);
            ONode shifted = (ONode) be.weight(HostTensor.ofFloats(new float[] {1, 2}, 2)).add(1); // as Gemma's 1 + w
            assertTrue(shifted.weightLike);
            Tensor y = be.linear(be.fromFloats(new float[] {3, 4}, 1, 2), w, null);
            assertArrayEquals(new float[] {3, 8}, be.toFloats(y), 0f);
            assertNull(w.value(), "a weight expression is not copied out of the graph");
            Tensor x = be.fromFloats(new float[] {3, 4}, 2);
            assertArrayEquals(new float[] {6, 12}, be.toFloats(x.mul(shifted)), 0f);
            long sessions = be.sessionsCreated();
            assertArrayEquals(new float[] {6, 12}, be.toFloats(x.mul(shifted)), 0f);
            assertNull(shifted.value());
            assertEquals(sessions, be.sessionsCreated(), "the same graph again: the weight expression is still in it");
        }
    }
}
