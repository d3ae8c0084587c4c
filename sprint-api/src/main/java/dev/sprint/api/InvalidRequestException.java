package dev.sprint.api;

import java.time.Duration;

/** A request or builder option is out of range or inconsistent. The pipeline stays usable. */
public class InvalidRequestException extends SprintException {
    public InvalidRequestException(String message) {
        super(message);
    }

    /**
     * {@code d} when it is a positive duration, else this exception naming the setting: the check every timeout,
     * lifetime and deadline setting of the builders shares.
     */
    public static Duration requirePositive(Duration d, String name) {
        if (d == null || d.isNegative() || d.isZero()) throw new InvalidRequestException(name + " must be a positive duration, got " + d);
        return d;
    }
}
