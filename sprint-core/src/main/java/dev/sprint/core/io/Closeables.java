package dev.sprint.core.io;

import java.util.List;

/** Releasing what a failed load had already opened. */
public final class Closeables {
    private Closeables() {}

    /**
     * Closes every resource, attaching close failures to {@code failure} as suppressed exceptions, and
     * returns {@code failure} so a caller can {@code throw Closeables.closeAfter(e, opened)}.
     */
    public static <T extends Throwable> T closeAfter(T failure, List<? extends AutoCloseable> opened) {
        for (AutoCloseable c : opened) {
            try {
                c.close();
            } catch (Exception suppressed) {
                failure.addSuppressed(suppressed);
            }
        }
        return failure;
    }
}
