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

    /**
     * Loads libtorch. JavaCPP's own limits are lifted first (unless the user set them): by default it throws
     * OutOfMemoryError once the process's resident size exceeds twice the Java heap, which a model's weights in
     * native memory do by design.
     */
    static synchronized void load() {
        if (loaded) return;
        for (String k : new String[] {"org.bytedeco.javacpp.maxBytes", "org.bytedeco.javacpp.maxPhysicalBytes"}) {
            if (System.getProperty(k) == null) System.setProperty(k, "0");
        }
        try {
            Loader.load(torch.class);
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
