package dev.sprint.backend.libtorch;

import dev.sprint.api.BackendUnavailableException;
import java.nio.file.Path;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.global.torch;

/** Loading libtorch's natives through JavaCPP, once per JVM, and the few process-wide facts read from it. */
final class LibtorchNatives {
    /** The org.bytedeco:pytorch version this module is built against. */
    static final String VERSION = "2.7.1-1.5.12";
    private static volatile boolean loaded;

    private LibtorchNatives() {}

    /** JavaCPP's platform name ("linux-x86_64", "macosx-arm64", ...) without loading anything native. */
    static String platform() {
        String p = System.getProperty("org.bytedeco.javacpp.platform");
        return p != null ? p : Loader.getPlatform();
    }

    /** Whether the natives jar for {@code platform} is on the class path (its JNI library is a resource). */
    static boolean present(ClassLoader cl, String platform) {
        String dir = "org/bytedeco/pytorch/" + platform + "/";
        return cl.getResource(dir + "libjnitorch.so") != null || cl.getResource(dir + "libjnitorch.dylib") != null
                || cl.getResource(dir + "jnitorch.dll") != null;
    }

    /** Where JavaCPP extracts the natives. */
    static String cacheDir() {
        String d = System.getProperty("org.bytedeco.javacpp.cachedir");
        return d != null ? d : Path.of(System.getProperty("user.home"), ".javacpp", "cache").toString();
    }

    /** The JavaCPP packages whose natives libtorch's JNI library links against, in load order. */
    private static final String[] NATIVE_PACKAGES = {"javacpp", "openblas", "pytorch"};

    /**
     * Loads libtorch. JavaCPP's own limits are lifted first (unless the user set them): by default it throws
     * OutOfMemoryError once the process's resident size exceeds twice the Java heap, which a model's weights in
     * native memory do by design.
     *
     * <p>Every native file is extracted into JavaCPP's cache before the first is loaded. JavaCPP otherwise extracts
     * and loads libraries one at a time, so on a machine's first run {@code libtorch.so} is loaded while
     * {@code libtorch_cpu.so} is not yet next to it: the dynamic linker then resolves that name on the system path,
     * and where a system libtorch exists (Debian's {@code python3-torch} installs 1.13 in /usr/lib) two libtorch
     * versions meet in one process and the JVM dies (SIGSEGV in pthread_mutex_lock). From the second run on the cache
     * is complete and $ORIGIN finds the right files, which is why only first runs crashed.
     */
    static synchronized void load() {
        if (loaded) return;
        dev.sprint.core.spi.LibtorchProcess.claim("libtorch");
        for (String k : new String[] {"org.bytedeco.javacpp.maxBytes", "org.bytedeco.javacpp.maxPhysicalBytes"}) {
            if (System.getProperty(k) == null) System.setProperty(k, "0");
        }
        try {
            String platform = platform();
            for (String pkg : NATIVE_PACKAGES) Loader.cacheResources("/org/bytedeco/" + pkg + "/" + platform + "/");
            Loader.load(torch.class);
        } catch (java.io.IOException e) {
            throw new BackendUnavailableException("cannot extract libtorch's natives into JavaCPP's cache " + cacheDir()
                    + ": " + e.getMessage() + " (set -Dorg.bytedeco.javacpp.cachedir to a writable folder)", e);
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException("libtorch (org.bytedeco:pytorch " + VERSION + ") could not load on "
                    + platform() + ": " + e.getMessage() + " (are the natives for this platform on the class path?)", e);
        }
        loaded = true;
    }

    static int cudaDevices() {
        try {
            return torch.cuda_is_available() ? torch.cuda_device_count() : 0;
        } catch (RuntimeException | LinkageError e) { // CPU builds may not carry the CUDA hooks
            return 0;
        }
    }

    static Device device(int cudaIndex) {
        return cudaIndex < 0 ? new Device(torch.DeviceType.CPU) : new Device(torch.DeviceType.CUDA, (byte) cudaIndex);
    }

    static int threads() {
        return torch.get_num_threads();
    }

    static void threads(int n) {
        if (torch.get_num_threads() != n) torch.set_num_threads(n);
    }

    // ---- OpenBLAS's thread pool ---------------------------------------------------------------------

    /*
     * This libtorch build calls OpenBLAS (a pthreads build with its own thread pool) for float32 matmuls, beside
     * libtorch's OpenMP pool for everything else. OpenBLAS's idle workers spin for about 2^28 cycles after each call,
     * on the cores OpenMP's workers need for the next operation. Under bf16 compute OpenBLAS only sees the small
     * float32 matmuls of the linear attentions, so one thread (the caller's) is enough: measured here, the 1024²
     * 0.6B step went 4.5 s -> 2.65 s and the decode 13.3 s -> 11.9 s.
     */
    private static int blasCurrent = -1;
    private static int singleBlasHolds;
    private static boolean blasPinned;

    /**
     * OpenBLAS's thread count now: the last count set here, else the one OpenBLAS starts with (its environment
     * variables, else every core; OpenBLAS has no call that reports it).
     */
    static synchronized int blasThreads() {
        if (blasCurrent < 0) blasCurrent = blasStartThreads();
        return blasCurrent;
    }

    private static int blasStartThreads() {
        for (String k : new String[] {"OPENBLAS_NUM_THREADS", "GOTO_NUM_THREADS", "OMP_NUM_THREADS"}) {
            try {
                int n = Integer.parseInt(System.getenv().getOrDefault(k, "").trim());
                if (n > 0) return n;
            } catch (NumberFormatException e) {
                // not set, or not a number: OpenBLAS reads the next one too
            }
        }
        return Runtime.getRuntime().availableProcessors();
    }

    private static void setBlasThreads(int n) {
        try {
            org.bytedeco.openblas.presets.openblas_nolapack.blas_set_num_threads(n);
            blasCurrent = n;
        } catch (RuntimeException | LinkageError e) { // a platform whose build links another BLAS: nothing to tune
            org.slf4j.LoggerFactory.getLogger(LibtorchNatives.class).debug("cannot set OpenBLAS threads: {}", e.toString());
        }
    }

    /** Sets OpenBLAS's thread count for the process ({@code libtorch.blasThreads}); later backends leave it alone. */
    static synchronized void pinBlasThreads(int n) {
        blasPinned = true;
        setBlasThreads(n);
    }

    /** One OpenBLAS thread while a bf16 CPU backend is open (unless pinned); see the comment above. */
    static synchronized void holdSingleBlasThread() {
        if (singleBlasHolds++ == 0 && !blasPinned) setBlasThreads(1);
    }

    /** Releases {@link #holdSingleBlasThread}: the last release restores OpenBLAS's own default. */
    static synchronized void releaseSingleBlasThread() {
        if (singleBlasHolds > 0 && --singleBlasHolds == 0 && !blasPinned) {
            setBlasThreads(blasStartThreads());
        }
    }
}
