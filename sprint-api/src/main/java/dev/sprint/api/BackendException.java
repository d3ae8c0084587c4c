package dev.sprint.api;

/** A backend failed while running an operation (native error, out of device memory, ...). */
public class BackendException extends SprintException {
    public BackendException(String message) {
        super(message);
    }

    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
