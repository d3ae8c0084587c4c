package dev.sprint.backend.libtorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.Precision;
import dev.sprint.api.spi.Availability;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.spi.CpuFeatures;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The precision rule on every kind of machine, the provider's probe, options and diagnostics. */
class LibtorchProviderTest {
    private static final CpuFeatures AMX = new CpuFeatures(Set.of("avx512f", "amx_bf16", "avx512_bf16"), "test");
    private static final CpuFeatures AVX512_BF16 = new CpuFeatures(Set.of("avx512f", "avx512_bf16"), "test");
    private static final CpuFeatures PLAIN = new CpuFeatures(Set.of("avx2", "fma"), "test");

    @Test
    void autoPicksBfloat16WhereTheHardwareRunsItFast() {
        assertEquals(DType.BF16, LibtorchBackendProvider.choose(Precision.AUTO, false, AMX).type());
        assertEquals(DType.BF16, LibtorchBackendProvider.choose(Precision.AUTO, false, AVX512_BF16).type());
        assertEquals(DType.F32, LibtorchBackendProvider.choose(Precision.AUTO, false, PLAIN).type());
        assertEquals(DType.BF16, LibtorchBackendProvider.choose(Precision.AUTO, true, PLAIN).type());
        assertTrue(LibtorchBackendProvider.choose(Precision.AUTO, false, AMX).reason().contains("AMX-BF16"));
        assertTrue(LibtorchBackendProvider.choose(Precision.AUTO, false, PLAIN).reason().contains("neither AMX-BF16 nor AVX512-BF16"));
    }

    @Test
    void askedForTypesAreHonouredNeverSilentlyReplaced() {
        assertEquals(DType.F32, LibtorchBackendProvider.choose(Precision.FLOAT32, false, AMX).type());
        LibtorchBackendProvider.Choice slow = LibtorchBackendProvider.choose(Precision.BFLOAT16, false, PLAIN);
        assertEquals(DType.BF16, slow.type(), "bf16 asked for on a CPU without bf16 instructions still computes bf16");
        assertTrue(slow.slow(), "and is flagged for the one-time warning");
        assertFalse(LibtorchBackendProvider.choose(Precision.BFLOAT16, false, AMX).slow());
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> LibtorchBackendProvider.choose(Precision.FLOAT16, false, AMX));
        assertTrue(e.getMessage().contains("Gemma-2"), e.getMessage());
    }

    @Test
    void cpuFlagsAreReadFromCpuinfo(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("cpuinfo");
        Files.writeString(f, "processor\t: 0\nflags\t\t: fpu avx512f AMX_BF16 avx512_bf16\nbugs\t: none\n");
        CpuFeatures c = CpuFeatures.read(f);
        assertTrue(c.amxBf16() && c.avx512Bf16() && c.fastBf16());
        assertFalse(CpuFeatures.read(dir.resolve("missing")).fastBf16(), "no file: no bf16 claimed");
    }

    @Test
    void probeOpenAndDiagnostics() {
        LibtorchBackendProvider p = new LibtorchBackendProvider();
        Availability a = p.probe();
        assertTrue(a.usable(), a.reason());
        assertEquals(110, p.priority());
        try (LibtorchBackend be = (LibtorchBackend) p.open(new BackendOptions("cpu", true, Precision.BFLOAT16, 0, null))) {
            assertEquals(DType.BF16, be.floatType());
            assertEquals("cpu", be.device());
            assertTrue(be.precisionReason().startsWith("bfloat16"), be.precisionReason());
            try (Scope s = be.newScope()) {
                Tensor x = be.fromFloats(new float[] {1, 2, 3, 4}, 2, 2);
                assertEquals(DType.BF16, x.dtype());
                assertEquals(DType.F32, be.latents(new float[] {1}, 1).dtype());
                Tensor y = x.matmul(x);
                assertEquals(DType.BF16, y.dtype());
                float[] v = be.toFloats(y);
                assertEquals(7f, v[0]);
                assertEquals(22f, v[3]);
            }
        }
        assertThrows(BackendUnavailableException.class, () -> p.open(new BackendOptions("tpu", true, null, 0, null)));
        Map<String, String> d = LibtorchBackendProvider.diagnostics();
        assertTrue(d.get("natives").contains("on the class path"), d.toString());
        assertTrue(d.containsKey("AUTO precision"), d.toString());
    }
}
