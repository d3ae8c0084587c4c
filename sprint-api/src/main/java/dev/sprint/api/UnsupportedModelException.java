package dev.sprint.api;

/** The checkpoint is readable but no module on the class path implements its pipeline class. */
public class UnsupportedModelException extends SprintException {
    public UnsupportedModelException(String message) {
        super(message);
    }
}
