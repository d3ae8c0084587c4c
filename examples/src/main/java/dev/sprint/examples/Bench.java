package dev.sprint.examples;

import java.io.PrintStream;

/** {@code ./sprint bench}: per-stage timings (filled in once the SANA-Sprint models land). */
final class Bench {
    private Bench() {}

    static int run(String[] argv, PrintStream out) {
        throw new CliException("bench is not available yet");
    }
}
