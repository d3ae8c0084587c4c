package dev.sprint.backend.libtorch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A machine's first run: JavaCPP extracts libtorch (342 MB) into an empty cache and loads it in the same process.
 * Earlier measurements saw the JVM die right there; this runs it as a user does, in a fresh JVM with an empty cache
 * folder, twice (extracting, then cached), computing bf16 and SDPA each time.
 */
class LibtorchFirstLoadTest {
    @Test
    void firstRunFromAnEmptyCacheWorksAndSoDoesTheNext(@TempDir Path dir) throws Exception {
        Path cache = dir.resolve("javacpp-cache");
        for (int run = 1; run <= 2; run++) {
            ProcessBuilder pb = new ProcessBuilder(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Dorg.bytedeco.javacpp.cachedir=" + cache,
                    "-cp", System.getProperty("java.class.path"),
                    LibtorchSmoke.class.getName()));
            pb.redirectErrorStream(true);
            Path log = dir.resolve("run" + run + ".log");
            pb.redirectOutput(log.toFile());
            Process p = pb.start();
            assertTrue(p.waitFor(5, TimeUnit.MINUTES), "run " + run + " finished");
            String out = Files.readString(log, StandardCharsets.UTF_8);
            assertEquals(0, p.exitValue(), "run " + run + " (cache " + (run == 1 ? "empty" : "filled") + "):\n" + out);
            assertTrue(out.contains("libtorch smoke OK"), out);
            assertTrue(hasLibtorch(cache), "natives extracted into " + cache);
        }
    }

    private static boolean hasLibtorch(Path cache) throws IOException {
        try (Stream<Path> s = Files.walk(cache)) {
            return s.anyMatch(f -> f.getFileName().toString().startsWith("libtorch_cpu"));
        }
    }
}
