package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code ./sprint diagnostics} on the build's class path: the CPU builds of both runtimes, and how to get CUDA. */
class DiagnosticsTest {
    @Test
    void reportsTheOrtFlavourProvidersAndTheLibtorchNatives() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        assertEquals(0, Diagnostics.run(new PrintStream(bytes, true, StandardCharsets.UTF_8)));
        String out = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("onnx runtime (flavour on the class path"), out);
        assertTrue(out.contains("jar: com.microsoft.onnxruntime:onnxruntime:"), out);
        assertTrue(out.contains("flavour: cpu (for NVIDIA GPUs use dev.sprint:sprint-backend-onnx-gpu"), out);
        assertTrue(out.contains("execution providers (compiled in): [CPU"), out);
        assertTrue(out.contains("djl natives"), out);
        assertTrue(out.contains("native jars on the class path: cpu 2.7.1"), out);
        assertTrue(out.contains("CUDA libtorch: "), out);
        // the build's platform profile put this platform's CPU natives on the class path (docs/platforms.md)
        assertTrue(out.contains("libtorch for " + dev.sprint.backend.djl.DjlNatives.detect().classifier() + ": present"), out);
    }
}
