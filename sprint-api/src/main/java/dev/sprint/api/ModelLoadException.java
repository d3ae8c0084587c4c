package dev.sprint.api;

/**
 * A checkpoint could not be read: missing folder or file, malformed safetensors, a config key
 * missing, a weight missing or of the wrong shape. The message names the file and the tensor.
 */
public class ModelLoadException extends SprintException {
    public ModelLoadException(String message) {
        super(message);
    }

    public ModelLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
