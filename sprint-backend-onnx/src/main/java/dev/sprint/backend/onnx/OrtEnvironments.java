package dev.sprint.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import dev.sprint.api.BackendUnavailableException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Creates ONNX Runtime's process-wide {@link OrtEnvironment} on a thread whose stack is sized for it.
 *
 * <p>Why: on Linux, ONNX Runtime 1.29 starts its telemetry when the environment is created, and that
 * matches regular expressions against the whole process command line ({@code /proc/self/cmdline}) with
 * libstdc++'s backtracking {@code std::regex}, which recurses once per character (about 260 bytes of
 * stack each, measured). On a JVM thread's default 1 MiB stack a command line of about 4 KB — a long
 * class path, or a long argument such as a 150-value {@code --timesteps} list — overflows it: the process
 * dies with SIGSEGV and nothing printed (the JVM's own handler has no stack left to report it). Running
 * the creation on a thread with a stack of {@link #stackBytes} — room for the command line with a wide
 * margin — makes it safe for any command line Linux allows. Setting {@code ORT_DISABLE_TELEMETRY=1} in
 * the environment also avoids the code path.
 */
final class OrtEnvironments {
    private OrtEnvironments() {}

    /** Stack bytes per command-line byte given to the creating thread (measured need ≈ 260). */
    static final long STACK_PER_CMDLINE_BYTE = 512;
    /** Stack of the creating thread beyond what the command line needs. */
    static final long BASE_STACK = 64L << 20;

    private static volatile OrtEnvironment created;

    /** The environment (created once per process; ORT keeps it for the life of the JVM). */
    static synchronized OrtEnvironment get() {
        if (created != null) return created;
        AtomicReference<OrtEnvironment> env = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                env.set(OrtEnvironment.getEnvironment());
            } catch (Throwable e) { // handed to the caller's thread below
                failure.set(e);
            }
        }, "sprint-onnx-init", stackBytes(commandLineBytes()));
        try {
            t.start();
        } catch (OutOfMemoryError e) { // no memory for the thread's stack reservation
            throw new BackendUnavailableException("cannot start the thread that initialises ONNX Runtime (" + e.getMessage()
                    + "); set ORT_DISABLE_TELEMETRY=1 in the environment, or shorten the command line", e);
        }
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) { // the environment must exist before we return; re-assert below
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        Throwable e = failure.get();
        if (e instanceof RuntimeException || e instanceof LinkageError) {
            throw new BackendUnavailableException("ONNX Runtime native library could not be loaded: " + e, e);
        }
        if (e instanceof Error err) throw err;
        if (e != null) throw new BackendUnavailableException("ONNX Runtime could not be initialised: " + e, e);
        created = env.get();
        return created;
    }

    /** The creating thread's stack for a command line of {@code cmdlineBytes}. */
    static long stackBytes(long cmdlineBytes) {
        return BASE_STACK + STACK_PER_CMDLINE_BYTE * Math.max(0, cmdlineBytes);
    }

    /** Length of this process's command line as ORT reads it, or 0 where there is no {@code /proc}. */
    static long commandLineBytes() {
        Path p = Path.of("/proc/self/cmdline");
        if (!Files.isReadable(p)) return 0;
        try {
            return Files.readAllBytes(p).length; // a /proc file reports size 0: it has to be read
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }
}
