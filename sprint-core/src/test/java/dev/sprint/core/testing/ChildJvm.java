package dev.sprint.core.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a main class in its own JVM, on this test JVM's class path given with {@code -cp} (so the command line is
 * as long as a launcher's), as a shell would: for what only a real process shows (native crashes, exit codes).
 */
public final class ChildJvm {
    private ChildJvm() {}

    /** How the child ended: its exit code (139 = SIGSEGV) and its stdout and stderr together. */
    public record Result(int exitCode, String output) {}

    /**
     * Runs {@code mainClass} with {@code jvmOptions} and {@code args}, without the environment variables named in
     * {@code unset}; fails when it has not ended after {@code seconds}.
     */
    public static Result run(List<String> jvmOptions, String mainClass, List<String> args, List<String> unset, long seconds)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        unset.forEach(pb.environment()::remove);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes(); // ends when the child closes its output, i.e. exits
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(mainClass + " did not end within " + seconds + " s");
        }
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }
}
