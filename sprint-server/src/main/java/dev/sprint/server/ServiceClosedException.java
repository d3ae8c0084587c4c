package dev.sprint.server;

import dev.sprint.api.SprintException;

/** The {@link ImageService} is shutting down or closed and takes no new requests. HTTP: 503. */
public class ServiceClosedException extends SprintException {
    public ServiceClosedException(String message) {
        super(message);
    }
}
