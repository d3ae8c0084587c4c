package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.core.testing.ChildJvm;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code ./sprint diagnostics} on the build's class path: the CPU builds of both runtimes, and how to get CUDA. */
class DiagnosticsTest {
    /**
     * The command as {@code ./sprint} runs it: its own JVM, the whole class path on the command line (as the launcher
     * passes {@code -cp}, many KB), the main thread's default stack, ONNX Runtime's telemetry on. It died with
     * SIGSEGV (exit 139, nothing printed) when diagnostics created ORT's environment on that thread (see
     * {@code OrtEnvironments}).
     */
    @Test
    void runsAsItsOwnProcessAndExitsZero() throws Exception {
        int cp = System.getProperty("java.class.path").length();
        assertTrue(cp > 4096, "the class path is long, like the launcher's (" + cp + " chars)");
        // ORT_DISABLE_TELEMETRY unset: the path that crashed must be the one taken
        ChildJvm.Result r = ChildJvm.run(List.of("-Xss1m", "-Xmx512m", "-Dai.djl.offline=true"), SprintCli.class.getName(),
                List.of("diagnostics"), List.of("ORT_DISABLE_TELEMETRY"), 180);
        String text = r.output();
        assertEquals(0, r.exitCode(), "exit code (139 = SIGSEGV); output:\n" + text);
        assertTrue(text.contains("execution providers (compiled in): [CPU"), text);
        assertTrue(text.contains("selected by default: "), text);
    }

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
