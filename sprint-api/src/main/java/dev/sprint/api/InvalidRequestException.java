package dev.sprint.api;

/** A request or builder option is out of range or inconsistent. The pipeline stays usable. */
public class InvalidRequestException extends SprintException {
    public InvalidRequestException(String message) {
        super(message);
    }
}
