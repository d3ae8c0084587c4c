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

    private DirectBuffers() {}

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
