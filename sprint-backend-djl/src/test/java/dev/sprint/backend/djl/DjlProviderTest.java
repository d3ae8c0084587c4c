package dev.sprint.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.Precision;
import dev.sprint.api.spi.Availability;
import dev.sprint.api.spi.Backend;
import dev.sprint.core.tensor.DType;
import java.util.Map;
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
    void probeIsCheapAndReportsTheCpu() {
        Availability a = new DjlBackendProvider().probe();
        assertTrue(a.usable(), a.reason());
        assertTrue(a.devices().contains("cpu"), a.devices().toString());
        assertTrue(a.reason().contains("cpu"), "names the natives it found: " + a.reason());
    }

    @Test
    void autoFallsBackToCpuAndThreadsAreApplied() {
        try (Backend b = new DjlBackendProvider().open(new BackendOptions("auto", false, Precision.FLOAT16, 2, null))) {
            assertEquals("cpu", b.device());
            assertEquals(DType.F32, ((TensorBackend) b).floatType(), "CPU computes float32 even when float16 is asked for");
        }
        Map<String, String> d = DjlBackendProvider.diagnostics();
        assertEquals("2", d.get("intra-op threads"), d.toString());
        assertTrue(d.get("engine").startsWith("PyTorch 2.7.1"), d.toString());
        assertTrue(d.get("libtorch path").contains("pytorch"), d.toString());
        assertEquals("0", d.get("cuda devices (libtorch)"), d.toString());
    }

    @Test
    void badDeviceNamesAreClearErrors() {
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> new DjlBackendProvider().open(new BackendOptions("tpu", false, null, 0, null)));
        assertTrue(e.getMessage().contains("cuda:N"), e.getMessage());
        BackendUnavailableException auto = assertThrows(BackendUnavailableException.class,
                () -> new DjlBackendProvider().open(new BackendOptions("auto", true, null, 0, null)));
        assertTrue(auto.getMessage().contains("CUDA"), auto.getMessage());
        try (Backend cpu = new DjlBackendProvider().open(new BackendOptions("cuda:1", false, null, 0, null))) {
            assertEquals("cpu", cpu.device(), "a CUDA device that is not required falls back to the CPU");
        }
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
