package dev.sprint.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class InvalidRequestExceptionTest {
    @Test
    void positiveDurationsPassThrough() {
        Duration d = Duration.ofMillis(1);
        assertEquals(d, InvalidRequestException.requirePositive(d, "timeout"));
    }

    @Test
    void zeroNegativeAndMissingDurationsAreRefusedByName() {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-3), null}) {
            InvalidRequestException e = assertThrows(InvalidRequestException.class,
                    () -> InvalidRequestException.requirePositive(bad, "idleTimeout"));
            assertTrue(e.getMessage().startsWith("idleTimeout must be a positive duration"), e.getMessage());
        }
    }
}
