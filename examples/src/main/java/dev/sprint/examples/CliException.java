package dev.sprint.examples;

/** A command-line usage error: printed without a stack trace, exit code 2. */
final class CliException extends RuntimeException {
    CliException(String message) {
        super(message);
    }
}
