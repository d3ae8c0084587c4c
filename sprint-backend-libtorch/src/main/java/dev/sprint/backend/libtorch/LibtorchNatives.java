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
}
