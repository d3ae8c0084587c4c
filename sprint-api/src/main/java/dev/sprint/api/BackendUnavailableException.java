package dev.sprint.api;

/**
 * No usable compute backend: none on the class path, the one asked for is missing, or its native
 * libraries / device cannot be loaded. The message lists every provider found and why each was not
 * usable, and which artifact to add.
 */
public class BackendUnavailableException extends SprintException {
    public BackendUnavailableException(String message) {
        super(message);
    }

    public BackendUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
