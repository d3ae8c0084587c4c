package dev.sprint.backend.onnx;

import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Frees a direct buffer's native memory now instead of whenever a garbage collection finds it unreachable
 * ({@code sun.misc.Unsafe.invokeCleaner}, in the JDK's {@code jdk.unsupported} module, open to every class path
 * application). Only buffers this backend allocated itself are freed; slices and memory-mapped views are left alone.
 */
final class DirectBuffers {
    private static final Logger LOG = LoggerFactory.getLogger(DirectBuffers.class);
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method clean = null;
        try {
            Class<?> c = Class.forName("sun.misc.Unsafe");
            var f = c.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            unsafe = f.get(null);
            clean = c.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("direct buffers are freed by the garbage collector only: {}", e.toString());
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = clean;
    }

    private static final long ADDRESS_OFFSET;

    static {
        long off = -1;
        try {
            if (UNSAFE != null) {
                Method fieldOffset = UNSAFE.getClass().getMethod("objectFieldOffset", java.lang.reflect.Field.class);
                off = (long) fieldOffset.invoke(UNSAFE, java.nio.Buffer.class.getDeclaredField("address"));
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debug("no direct-buffer addresses: {}", e.toString());
        }
        ADDRESS_OFFSET = off;
    }

    private DirectBuffers() {}

    /** The native address of a direct buffer's first element (at its position), or −1 when it cannot be read. */
    static long address(ByteBuffer b) {
        if (ADDRESS_OFFSET < 0 || !b.isDirect()) return -1;
        try {
            long base = (long) UNSAFE.getClass().getMethod("getLong", Object.class, long.class).invoke(UNSAFE, b, ADDRESS_OFFSET);
            return base + b.position();
        } catch (ReflectiveOperationException | RuntimeException e) {
            return -1;
        }
    }

    /** Frees {@code b} if it is a direct buffer this process allocated (not a slice, duplicate or mapping). */
    static void free(ByteBuffer b) {
        if (INVOKE_CLEANER == null || b == null || !b.isDirect() || b instanceof java.nio.MappedByteBuffer) return;
        try {
            INVOKE_CLEANER.invoke(UNSAFE, b);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a slice or duplicate: its memory belongs to another buffer, freed with that one
            LOG.trace("not freed: {}", e.toString());
        }
    }
}
