package dev.sprint.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.Arena;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Weights built in an arena are released with it: their sessions are closed, and the backend stays usable. */
class OnnxArenaTest {
    @Test
    void closingAnArenaClosesTheSessionsOfItsWeights() {
        try (OnnxBackend be = (OnnxBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 1, null))) {
            float[] wv = {1, 2, 3, 4, 5, 6};
            Arena a = be.newArena();
            // heap data: converted into a direct buffer the backend owns (freed with the arena)
            Tensor w = a.build(() -> be.weight(HostTensor.ofFloats(wv, 2, 3)));
            Arena b = be.newArena();
            Tensor w2 = b.build(() -> be.weight(HostTensor.ofFloats(wv, 3, 2)));
            Tensor x = be.fromFloats(new float[] {1, 1}, 1, 2);
            try (Scope s = be.newScope()) {
                assertArrayEquals(new float[] {5, 7, 9}, be.toFloats(be.call("a", List.of(x), in -> List.of(in.get(0).matmul(w))).get(0)));
                assertArrayEquals(new float[] {3, 7, 11}, be.toFloats(be.call("b", List.of(x), in -> List.of(w2.matmul(in.get(0).transpose(0, 1)).transpose(0, 1))).get(0)));
            }
            int cached = be.sessionsCached();
            a.close();
            assertEquals(cached - 1, be.sessionsCached(), "the session bound to the released weight is closed");
            a.close(); // idempotent
            try (Scope s = be.newScope()) { // the other component's session still works
                assertArrayEquals(new float[] {3, 7, 11}, be.toFloats(be.call("b", List.of(x), in -> List.of(w2.matmul(in.get(0).transpose(0, 1)).transpose(0, 1))).get(0)));
            }
            b.close();
        }
    }
}
