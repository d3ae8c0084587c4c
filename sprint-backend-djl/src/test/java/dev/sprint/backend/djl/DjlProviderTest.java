package dev.sprint.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.Backends;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import org.junit.jupiter.api.Test;

/** Discovery, selection, device errors and scopes of the DJL backend. */
class DjlProviderTest {
    @Test
    void foundByServiceLoaderAndSelectable() {
        assertTrue(Backends.providers().stream().anyMatch(p -> p.name().equals("djl")));
        assertTrue(new DjlBackendProvider().probe().usable());
        assertEquals("djl", Backends.select("djl").name());
    }

    @Test
    void unknownBackendListsProviders() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> Backends.select("nope"));
        assertTrue(e.getMessage().contains("djl"), e.getMessage());
    }

    @Test
    void requiredCudaWithoutGpuIsAClearError() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> new DjlBackendProvider().open(new BackendOptions("cuda:0", true, null, 0, null)));
        assertTrue(e.getMessage().contains("cuda:0"), e.getMessage());
    }

    @Test
    void scopeFreesIntermediatesAndKeepsResults() {
        TensorBackend be = DjlBackends.CPU;
        Tensor kept;
        Tensor dropped;
        try (Scope s = be.newScope()) {
            Tensor x = be.fromFloats(new float[] {1, 2, 3}, 3);
            dropped = x.mul(2);
            kept = s.keep(x.add(1));
        }
        assertEquals(3f, be.toFloats(kept)[1]);
        Tensor d = dropped;
        assertThrows(RuntimeException.class, () -> be.toFloats(d));
    }
}
