package dev.sprint.server;

import dev.sprint.api.SprintException;

/** A request did not finish before its deadline (queued or running). HTTP: 504. */
public class DeadlineExceededException extends SprintException {
    public DeadlineExceededException(String message) {
        super(message);
    }
}
