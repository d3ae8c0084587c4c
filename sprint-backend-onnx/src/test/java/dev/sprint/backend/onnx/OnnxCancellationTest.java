package dev.sprint.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.BackendException;
import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationCancelledException;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** {@link TensorBackend#cancelWhen} on ONNX Runtime: a running graph is stopped inside ORT, and the backend stays usable. */
class OnnxCancellationTest {
    private static final int N = 256;
    private static final int LAYERS = 2000;

    private static OnnxBackend open() {
        return (OnnxBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 1, Map.of()));
    }

    /** x ↦ tanh(x·W) repeated {@code layers} times: one graph whose run takes {@code layers} matmul times. */
    private static Function<List<Tensor>, List<Tensor>> deep(OnnxBackend be, Tensor w, int layers) {
        return in -> {
            Tensor x = in.get(0);
            for (int i = 0; i < layers; i++) x = be.tanh(be.matmul(x, w));
            return List.of(x);
        };
    }

    private static Tensor weight(OnnxBackend be) {
        float[] v = new float[N * N];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextGaussian() / Math.sqrt(N));
        return be.weight(HostTensor.ofFloats(v, N, N));
    }

    @Test
    void aLongRunStopsPromptlyAndTheBackendStaysUsable() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (OnnxBackend be = open()) {
            Tensor w = weight(be);
            Tensor x = be.fromFloats(new float[N * N], N, N);
            // what one layer costs here: the whole graph runs ~LAYERS times that
            Function<List<Tensor>, List<Tensor>> one = deep(be, w, 1);
            long layerNanos = Long.MAX_VALUE;
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                be.toFloats(be.call("one", List.of(x), one).get(0));
                layerNanos = Math.min(layerNanos, System.nanoTime() - t0);
            }
            Function<List<Tensor>, List<Tensor>> deep = deep(be, w, LAYERS);
            for (int round = 0; round < 2; round++) { // round 0 also creates the session; round 1 reuses it
                CancellationToken token = new CancellationToken();
                AtomicLong cancelledAt = new AtomicLong();
                long sessions = be.sessionsCreated();
                try (TensorBackend.Registration reg = be.cancelWhen(token::isCancelled)) {
                    timer.schedule(() -> {
                        cancelledAt.set(System.nanoTime());
                        token.cancel();
                    }, 200, TimeUnit.MILLISECONDS);
                    assertThrows(GenerationCancelledException.class, () -> be.toFloats(be.call("deep", List.of(x), deep).get(0)));
                }
                long latency = System.nanoTime() - cancelledAt.get();
                assertTrue(cancelledAt.get() != 0, "the run ended before it was cancelled");
                if (round == 1) {
                    assertEquals(sessions, be.sessionsCreated(), "the cancelled graph's session is kept and reused");
                    long natural = LAYERS * layerNanos;
                    assertTrue(latency < natural / 4, String.format(java.util.Locale.ROOT,
                            "stopped %.0f ms after cancel(); the whole run takes about %.0f ms", latency / 1e6, natural / 1e6));
                }
            }
            // usable afterwards: a small graph computes the right thing, with and without a registration
            Tensor y = be.fromFloats(new float[] {1, 2}, 2);
            try (TensorBackend.Registration reg = be.cancelWhen(() -> false)) {
                assertArrayEquals(new float[] {3, 5}, be.toFloats(be.call("affine", List.of(y), in -> List.of(in.get(0).mul(2).add(1))).get(0)), 0f);
            }
            assertArrayEquals(new float[] {3, 5}, be.toFloats(be.call("affine", List.of(y), in -> List.of(in.get(0).mul(2).add(1))).get(0)), 0f);
        } finally {
            timer.shutdownNow();
        }
    }

    @Test
    void anAlreadyCancelledCheckRunsNothing() {
        try (OnnxBackend be = open()) {
            Tensor x = be.fromFloats(new float[] {1, 2}, 2);
            long sessions = be.sessionsCreated();
            try (TensorBackend.Registration reg = be.cancelWhen(() -> true)) {
                assertThrows(GenerationCancelledException.class, () -> be.toFloats(x.mul(2)));
                assertThrows(GenerationCancelledException.class, () -> be.call("c", List.of(x.mul(3)), in -> in));
            }
            assertEquals(sessions, be.sessionsCreated(), "no session is made for a cancelled run");
            // closed registration: runs again
            assertArrayEquals(new float[] {2, 4}, be.toFloats(x.mul(2)), 0f);
        }
    }

    @Test
    void registrationsNestAndBelongToTheirThread() throws Exception {
        try (OnnxBackend be = open()) {
            Tensor x = be.fromFloats(new float[] {1, 2}, 2);
            boolean[] inner = {false};
            try (TensorBackend.Registration outer = be.cancelWhen(() -> false)) {
                try (TensorBackend.Registration in = be.cancelWhen(() -> inner[0])) {
                    assertArrayEquals(new float[] {2, 4}, be.toFloats(x.mul(2)), 0f);
                    inner[0] = true;
                    assertThrows(GenerationCancelledException.class, () -> be.toFloats(x.mul(3)));
                }
                assertArrayEquals(new float[] {4, 8}, be.toFloats(x.mul(4)), 0f); // the inner check is gone
                // another thread is not watched by this thread's registration
                boolean[] ran = {false};
                Thread t = new Thread(() -> ran[0] = be.toFloats(x.mul(5))[0] == 5);
                t.start();
                t.join();
                assertTrue(ran[0]);
                // closing out of order is refused
                TensorBackend.Registration a = be.cancelWhen(() -> false);
                TensorBackend.Registration b = be.cancelWhen(() -> false);
                assertThrows(BackendException.class, a::close);
                b.close();
                a.close();
            }
        }
    }

    @Test
    void theDefaultHookDoesNothing() {
        TensorBackend eager = new dev.sprint.core.testing.ReferenceBackend();
        try (TensorBackend.Registration r = eager.cancelWhen(() -> true)) {
            assertEquals(TensorBackend.Registration.NONE, r);
            assertArrayEquals(new float[] {2}, eager.toFloats(eager.fromFloats(new float[] {1}, 1).mul(2)), 0f);
        }
    }
}
