package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
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
        String cp = System.getProperty("java.class.path");
        assertTrue(cp.length() > 4096, "the class path is long, like the launcher's (" + cp.length() + " chars)");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder pb = new ProcessBuilder(java, "-Xss1m", "-Xmx512m", "-Dai.djl.offline=true", "-cp", cp,
                SprintCli.class.getName(), "diagnostics");
        pb.environment().remove("ORT_DISABLE_TELEMETRY"); // the path that crashed must be the one taken
        pb.redirectErrorStream(true);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "diagnostics did not finish");
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "exit code (139 = SIGSEGV); output:\n" + text);
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
    }
}
