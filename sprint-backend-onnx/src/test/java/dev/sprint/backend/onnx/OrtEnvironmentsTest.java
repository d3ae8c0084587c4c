package dev.sprint.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.testing.ChildJvm;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Opening the ONNX backend in a process with a long command line. ONNX Runtime 1.29's telemetry runs a
 * backtracking regex over {@code /proc/self/cmdline} when the environment is created; on a JVM thread's
 * default stack a command line over ~4 KB used to kill the process with SIGSEGV (exit 139, nothing
 * printed) — how the 150-value {@code --timesteps} list of issue 16 crashed the CLI.
 */
class OrtEnvironmentsTest {

    /** Run in a child JVM: opens the backend and computes something, from the (small-stack) main thread. */
    public static void main(String[] args) {
        try (OnnxBackend be = (OnnxBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 1, Map.of()))) {
            Tensor x = be.fromFloats(new float[] {1, 2}, 2);
            float[] y = be.toFloats(be.call("c", List.of(x), in -> List.of(in.get(0).mul(3))).get(0));
            System.out.println("result " + y[0] + " " + y[1] + " argument " + args[0].length());
        }
    }

    @Test
    void aHundredKilobyteCommandLineOpensTheBackend() throws Exception {
        int length = 100_000; // Linux allows up to 128 KiB per argument; this needs ~26 MB of stack in ORT
        // ORT_DISABLE_TELEMETRY unset: the path that crashed must be the one taken
        ChildJvm.Result r = ChildJvm.run(List.of("-Xss1m", "-Xmx256m"), OrtEnvironmentsTest.class.getName(),
                List.of("x".repeat(length)), List.of("ORT_DISABLE_TELEMETRY"), 120);
        String text = r.output();
        assertEquals(0, r.exitCode(), "child JVM exit code (139 = SIGSEGV); output:\n" + text);
        assertTrue(text.contains("result 3.0 6.0 argument " + length), text);
    }

    /** Every ONNX Runtime start goes through {@link OrtEnvironments}: no other main class creates the environment. */
    @Test
    void onlyOrtEnvironmentsCreatesTheEnvironment() throws Exception {
        Path main = Path.of("src/main/java");
        assertTrue(java.nio.file.Files.isDirectory(main), "run from the module folder (Maven does): " + main.toAbsolutePath());
        List<String> offenders;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(main)) {
            offenders = s.filter(p -> p.toString().endsWith(".java") && !p.endsWith("OrtEnvironments.java"))
                    .filter(p -> {
                        try {
                            return java.nio.file.Files.readString(p).contains("OrtEnvironment.getEnvironment(");
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    }).map(Path::toString).toList();
        }
        assertEquals(List.of(), offenders, "call OrtEnvironments.get() instead");
    }

    @Test
    void theCreatingThreadsStackCoversTheCommandLine() {
        assertTrue(OrtEnvironments.commandLineBytes() > 0, "this test runs on Linux, which has /proc/self/cmdline");
        // measured need: ~260 bytes of stack per command-line byte; the largest Linux command line is 2 MiB
        assertTrue(OrtEnvironments.stackBytes(2 << 20) >= 300L * (2 << 20));
        assertTrue(OrtEnvironments.stackBytes(0) >= 8 << 20);
    }
}
