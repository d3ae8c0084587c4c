package dev.sprint.backend.libtorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.Precision;
import dev.sprint.api.spi.Backend;
import dev.sprint.api.spi.BackendOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** OpenBLAS's thread pool: one thread while a bf16 CPU backend is open, its previous count once the last closes. */
class LibtorchBlasThreadsTest {
    private static Backend open(Precision p, Map<String, String> extra) {
        return new LibtorchBackendProvider().open(new BackendOptions("cpu", true, p, 0, extra));
    }

    @Test
    void bf16HoldsOneThreadUntilTheLastCloses() {
        LibtorchNatives.load();
        int before = LibtorchNatives.blasThreads();
        Backend a = open(Precision.BFLOAT16, Map.of());
        assertEquals(1, LibtorchNatives.blasThreads());
        Backend b = open(Precision.BFLOAT16, Map.of());
        a.close();
        assertEquals(1, LibtorchNatives.blasThreads(), "the second bf16 backend is still open");
        try (Backend f = open(Precision.FLOAT32, Map.of())) {
            assertEquals(1, LibtorchNatives.blasThreads(), "a float32 backend does not take it back from an open bf16 one");
        }
        b.close();
        assertEquals(before, LibtorchNatives.blasThreads());
    }

    @Test
    void aBadThreadCountIsRefusedWithTheOptionsName() {
        for (String bad : new String[] {"0", "-2", "two", ""}) {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> open(Precision.FLOAT32, Map.of("libtorch.blasThreads", bad)));
            assertTrue(e.getMessage().contains("libtorch.blasThreads"), e.getMessage());
        }
    }
}
