package dev.sprint.core.testing;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Polling for a condition another thread makes true, with a bound that turns a hang into a failure. */
public final class Await {
    private Await() {}

    /** Waits until {@code condition} holds (polled every 2 ms); fails after 10 s naming {@code what}. */
    public static void until(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
    }
}
