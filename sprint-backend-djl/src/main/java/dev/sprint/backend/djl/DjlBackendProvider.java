package dev.sprint.backend.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.pytorch.jni.LibUtils;
import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.Precision;
import dev.sprint.core.spi.CpuFeatures;
import dev.sprint.core.spi.LibtorchProcess;
import dev.sprint.api.spi.Availability;
import dev.sprint.api.spi.Backend;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.BackendProvider;
import dev.sprint.core.tensor.DType;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch (libtorch) through DJL ({@code djl}), the default backend (priority 100).
 *
 * <p>Natives: CPU builds of libtorch come from Maven Central ({@code ai.djl.pytorch:pytorch-native-cpu}, the
 * classifier of the platform Maven builds on: linux-x86_64, linux-aarch64, osx-aarch64 or win-x86_64). For CUDA, put a CUDA build in place of it (the matching
 * {@code pytorch-native-cu*} jar, a {@code PYTORCH_LIBRARY_PATH} pointing at an installed libtorch), or
 * run with {@code -Dai.djl.offline=false} so DJL downloads the CUDA build into its cache on first use.
 *
 * <p>Sprint sets {@code ai.djl.offline=true} before DJL starts unless the user set it, so DJL never
 * probes the network (or the cloud metadata address) at start-up.
 */
public final class DjlBackendProvider implements BackendProvider {
    private static final Logger LOG = LoggerFactory.getLogger(DjlBackendProvider.class);
    private static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";
    private static final AtomicBoolean WARNED_AUTO_CPU = new AtomicBoolean();

    @Override
    public String name() {
        return "djl";
    }

    @Override
    public int priority() {
        return 100;
    }

    @Override
    public String artifact() {
        return "dev.sprint:sprint-backend-djl";
    }

    // ---- probe: class path and file system only, never native code --------------------------------

    @Override
    public Availability probe() {
        try {
            ClassLoader cl = DjlBackendProvider.class.getClassLoader();
            try {
                Class.forName("ai.djl.pytorch.engine.PtEngineProvider", false, cl);
            } catch (ClassNotFoundException | LinkageError e) {
                return Availability.unusable("ai.djl.pytorch:pytorch-engine is not on the class path");
            }
            if (!LibtorchProcess.available("djl")) return Availability.unusable(LibtorchProcess.refusal("djl"));
            List<String> flavors = nativeFlavors();
            int gpus = visibleNvidiaGpus();
            boolean cudaNatives = flavors.stream().anyMatch(f -> f.startsWith("cu"));
            String override = setting("PYTORCH_LIBRARY_PATH");
            DjlNatives natives = DjlNatives.detect();
            if (!natives.libtorchForThisPlatform()) {
                return Availability.unusable(natives.missingLibtorch() + "; or run once with -Dai.djl.offline=false "
                        + "so DJL downloads libtorch into its cache");
            }
            List<String> devices = new ArrayList<>(List.of("cpu"));
            String note;
            if (override != null) {
                note = "libtorch from PYTORCH_LIBRARY_PATH=" + override + "; CUDA availability is known after open";
            } else if (cudaNatives && gpus > 0) {
                for (int i = 0; i < gpus; i++) devices.add("cuda:" + i);
                note = "libtorch natives " + flavors + ", " + gpus + " NVIDIA GPU(s) visible";
            } else if (gpus > 0) {
                note = "libtorch natives " + flavors + " are CPU-only although " + gpus + " NVIDIA GPU(s) are visible; "
                        + "use a CUDA build of libtorch to run on them";
            } else if (gpus == 0 && !cudaNatives) {
                note = "libtorch natives " + flavors + "; CPU only";
            } else {
                note = "libtorch natives " + flavors + "; CUDA availability is known after open";
            }
            return Availability.usable(note, devices);
        } catch (RuntimeException | LinkageError e) { // a probe never throws
            return Availability.unusable("probe failed: " + e);
        }
    }

    /** Flavors ("cpu", "cu128", ...) of the libtorch builds on the class path and in DJL's cache. */
    static List<String> nativeFlavors() {
        List<String> out = new ArrayList<>();
        try {
            ClassLoader cl = DjlBackendProvider.class.getClassLoader();
            for (URL u : Collections.list(cl.getResources("native/lib/pytorch.properties"))) {
                Properties p = new Properties();
                try (InputStream in = u.openStream()) {
                    p.load(in);
                }
                String f = p.getProperty("flavor");
                if (f != null && !out.contains(f)) out.add(f);
            }
        } catch (IOException e) {
            LOG.debug("cannot read libtorch native descriptors", e);
        }
        Path cache = djlCacheDir().resolve("pytorch");
        if (Files.isDirectory(cache)) {
            // entries look like 2.7.1-20250812-cpu-linux-x86_64 or 2.7.1-cu124-linux-x86_64
            try (Stream<Path> s = Files.list(cache)) {
                s.map(p -> p.getFileName().toString()).forEach(n -> {
                    for (String part : n.split("-")) {
                        if ((part.equals("cpu") || part.matches("cu\\d+")) && !out.contains(part + " (cache)")
                                && !out.contains(part)) {
                            out.add(part + " (cache)");
                        }
                    }
                });
            } catch (IOException e) {
                LOG.debug("cannot list DJL cache {}", cache, e);
            }
        }
        return out;
    }

    /** NVIDIA GPUs the driver exposes (/proc/driver/nvidia/gpus), limited by CUDA_VISIBLE_DEVICES; 0 when none or unknown. */
    static int visibleNvidiaGpus() {
        Path gpus = Paths.get("/proc/driver/nvidia/gpus");
        int n = 0;
        if (Files.isDirectory(gpus)) {
            try (Stream<Path> s = Files.list(gpus)) {
                n = (int) s.count();
            } catch (IOException e) {
                return 0;
            }
        }
        String visible = System.getenv("CUDA_VISIBLE_DEVICES");
        if (visible != null) {
            String v = visible.trim();
            if (v.isEmpty() || v.startsWith("-")) return 0;
            n = Math.min(n, v.split(",").length);
        }
        return n;
    }

    private static String setting(String name) {
        String v = System.getProperty(name);
        return v != null ? v : System.getenv(name);
    }

    /** DJL's cache directory, resolved the way DJL does (ENGINE_CACHE_DIR, DJL_CACHE_DIR, ~/.djl.ai). */
    static Path djlCacheDir() {
        String dir = setting("ENGINE_CACHE_DIR");
        if (dir == null) dir = setting("DJL_CACHE_DIR");
        if (dir != null) return Paths.get(dir);
        return Paths.get(System.getProperty("user.home"), ".djl.ai");
    }

    // ---- open ------------------------------------------------------------------------------------

    /** Keeps DJL off the network unless the user decided otherwise; must run before DJL initialises. */
    static void offlineByDefault() {
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
    }

    private static Engine engine() {
        offlineByDefault();
        LibtorchProcess.claim("djl");
        try {
            return Engine.getEngine("PyTorch");
        } catch (RuntimeException | LinkageError e) {
            String why = e.getMessage() == null ? e.toString() : e.getMessage();
            throw new BackendUnavailableException("the PyTorch engine of DJL could not start: " + why
                    + " (is ai.djl.pytorch:pytorch-native-cpu:" + DjlNatives.currentClassifier() + " on the class path? with "
                    + "ai.djl.offline=true DJL does not download libtorch; ./sprint diagnostics says what is missing)", e);
        }
    }

    @Override
    public Backend open(BackendOptions options) {
        if (options.threads() > 0 && System.getProperty(THREADS_PROPERTY) == null) {
            // read by DJL when the engine starts; set afterwards below if the engine is already running
            System.setProperty(THREADS_PROPERTY, Integer.toString(options.threads()));
        }
        if (options.precision() == Precision.BFLOAT16) { // before libtorch loads: DJL's JNI terminates the JVM on bf16
            throw CpuFeatures.bf16Unsupported("djl", "DJL 0.36's PyTorch JNI has no bfloat16 type;"
                    + " any bf16 array terminates the JVM");
        }
        Engine engine = engine();
        if (options.threads() > 0 && JniUtils.getNumThreads() != options.threads()) {
            LOG.info("setting libtorch intra-op threads to {} (process-wide)", options.threads());
            JniUtils.setNumThreads(options.threads());
        }
        Device device = resolveDevice(options, engine.getGpuCount());
        DType floatType = DType.F32;
        if (device.isGpu()) {
            if (options.precision() != Precision.FLOAT32) floatType = DType.F16;
        } else if (options.precision() == Precision.FLOAT16) {
            LOG.warn("float16 requested on CPU; computing in float32 (libtorch computes float16 matmuls on CPU ~100x slower)");
        }
        try {
            return new DjlBackend(device, floatType);
        } catch (RuntimeException e) {
            throw new BackendUnavailableException("DJL could not open " + device + ": " + e.getMessage(), e);
        }
    }

    static Device resolveDevice(BackendOptions options, int gpus) {
        String dev = options.device().trim().toLowerCase(Locale.ROOT);
        if (dev.equals("cpu")) return Device.cpu();
        String whyNot = gpus == 0 ? "libtorch sees no CUDA device (" + cudaHint() + ")" : "libtorch sees only " + gpus + " CUDA device(s)";
        if (dev.equals("auto")) {
            if (gpus > 0) return Device.gpu(0);
            if (options.deviceRequired()) throw new BackendUnavailableException("device auto with deviceRequired: " + whyNot);
            if (WARNED_AUTO_CPU.compareAndSet(false, true)) LOG.warn("no CUDA device: running on CPU ({})", whyNot);
            return Device.cpu();
        }
        int index;
        if (dev.equals("cuda")) {
            index = 0;
        } else if (dev.matches("cuda:\\d{1,4}")) {
            index = Integer.parseInt(dev.substring(5));
        } else {
            throw new BackendUnavailableException("unknown device '" + options.device() + "' (use auto, cpu, cuda or cuda:N)");
        }
        if (index < gpus) return Device.gpu(index);
        if (options.deviceRequired()) throw new BackendUnavailableException("device " + dev + " cannot be used: " + whyNot);
        LOG.warn("device {} unavailable ({}); running on CPU", dev, whyNot);
        return Device.cpu();
    }

    private static String cudaHint() {
        List<String> flavors = nativeFlavors();
        if (flavors.stream().noneMatch(f -> f.startsWith("cu"))) {
            return "the libtorch natives " + flavors + " are CPU-only; use a CUDA build (pytorch-native-cu* or ai.djl.offline=false)";
        }
        return visibleNvidiaGpus() == 0 ? "no NVIDIA GPU visible to this process" : "CUDA driver or runtime unusable";
    }

    // ---- diagnostics -------------------------------------------------------------------------------

    /**
     * Environment facts for {@code ./sprint diagnostics}: DJL and libtorch versions, where libtorch was
     * loaded from, CUDA visibility and threads. Loads the engine (libtorch); never throws.
     */
    public static Map<String, String> diagnostics() {
        offlineByDefault();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ai.djl.offline", System.getProperty("ai.djl.offline"));
        m.put("djl version", safe(Engine::getDjlVersion));
        m.put("libtorch natives found", nativeFlavors().toString());
        m.put("DJL cache", djlCacheDir().toString());
        m.put("NVIDIA GPUs visible (/proc)", Integer.toString(visibleNvidiaGpus()));
        if (!LibtorchProcess.available("djl")) {
            m.put("engine", "not loaded: " + LibtorchProcess.refusal("djl"));
            return m;
        }
        try {
            LibtorchProcess.claim("djl");
            Engine e = Engine.getEngine("PyTorch");
            m.put("engine", e.getEngineName() + " " + e.getVersion());
            m.put("libtorch path", safe(LibUtils::getLibtorchPath));
            m.put("cuda devices (libtorch)", Integer.toString(e.getGpuCount()));
            m.put("cuda available (libtorch)", safe(() -> Boolean.toString(e.hasCapability("CUDA"))));
            m.put("intra-op threads", safe(() -> Integer.toString(JniUtils.getNumThreads())));
            m.put("inter-op threads", safe(() -> Integer.toString(JniUtils.getNumInteropThreads())));
        } catch (RuntimeException | LinkageError ex) {
            m.put("engine", "failed to load: " + ex.getMessage());
        }
        return m;
    }

    private static String safe(java.util.function.Supplier<String> s) {
        try {
            return String.valueOf(s.get());
        } catch (RuntimeException | LinkageError e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }
}
