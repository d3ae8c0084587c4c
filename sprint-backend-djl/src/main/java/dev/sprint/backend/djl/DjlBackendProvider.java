package dev.sprint.backend.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.Precision;
import dev.sprint.api.spi.Availability;
import dev.sprint.api.spi.Backend;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.BackendProvider;
import dev.sprint.core.tensor.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PyTorch (libtorch) through DJL ({@code djl}), the default backend. CPU natives come from Maven
 * Central ({@code ai.djl.pytorch:pytorch-native-cpu}, classifier {@code linux-x86_64}). For CUDA,
 * replace that dependency with the matching {@code pytorch-native-cu*} artifact, or run with
 * {@code -Dai.djl.offline=false} so DJL downloads the CUDA build of libtorch on first use.
 *
 * <p>Sprint sets {@code ai.djl.offline=true} unless the user set it, so DJL never probes the
 * network at start-up.
 */
public final class DjlBackendProvider implements BackendProvider {
    private static final Logger LOG = LoggerFactory.getLogger(DjlBackendProvider.class);

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

    @Override
    public Availability probe() {
        ClassLoader cl = DjlBackendProvider.class.getClassLoader();
        try {
            Class.forName("ai.djl.pytorch.engine.PtEngineProvider", false, cl);
        } catch (ClassNotFoundException | LinkageError e) {
            return Availability.unusable("ai.djl.pytorch:pytorch-engine is not on the class path");
        }
        boolean cpuNatives = cl.getResource("pytorch/cpu/linux-x86_64/native/lib/files.txt") != null
                || cl.getResource("native/lib/pytorch.properties") != null;
        String note = cpuNatives ? "libtorch CPU natives on the class path; CUDA availability is known after open"
                : "no libtorch natives jar found; DJL will look in its cache (and download only if ai.djl.offline=false)";
        return Availability.usable(note, List.of("cpu"));
    }

    static void offlineByDefault() {
        if (System.getProperty("ai.djl.offline") == null) System.setProperty("ai.djl.offline", "true");
    }

    @Override
    public Backend open(BackendOptions options) {
        offlineByDefault();
        Engine engine;
        try {
            engine = Engine.getEngine("PyTorch");
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException("the PyTorch engine of DJL could not start: " + e.getMessage()
                    + " (is ai.djl.pytorch:pytorch-native-cpu:linux-x86_64 on the class path?)", e);
        }
        if (options.threads() > 0) {
            // libtorch intra-op threads; must be set before the first operation
            System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(options.threads()));
        }
        String dev = options.device().toLowerCase(Locale.ROOT);
        int gpus = engine.getGpuCount();
        Device device;
        if (dev.equals("cpu")) {
            device = Device.cpu();
        } else if (dev.equals("auto") || dev.startsWith("cuda")) {
            int index = dev.startsWith("cuda:") ? Integer.parseInt(dev.substring(5)) : 0;
            if (index < gpus) {
                device = Device.gpu(index);
            } else {
                String why = gpus == 0 ? "libtorch sees no CUDA device (CPU natives, or no driver)"
                        : "only " + gpus + " CUDA device(s)";
                if (dev.startsWith("cuda") && options.deviceRequired()) {
                    throw new BackendUnavailableException("device " + dev + " cannot be used: " + why);
                }
                if (dev.startsWith("cuda")) LOG.warn("device {} unavailable ({}); running on CPU", dev, why);
                device = Device.cpu();
            }
        } else {
            throw new BackendUnavailableException("unknown device '" + options.device() + "' (auto, cpu, cuda, cuda:N)");
        }
        DType floatType = DType.F32;
        if (options.precision() == Precision.FLOAT16) {
            if (device.isGpu()) {
                floatType = DType.F16;
            } else {
                LOG.warn("float16 requested on CPU; computing in float32 (float16 matmul on CPU is ~100x slower)");
            }
        }
        return new DjlBackend(device, floatType);
    }

    /** Environment facts for {@code ./sprint diagnostics}; loads the engine. */
    public static Map<String, String> diagnostics() {
        offlineByDefault();
        Map<String, String> m = new LinkedHashMap<>();
        m.put("ai.djl.offline", System.getProperty("ai.djl.offline"));
        try {
            Engine e = Engine.getEngine("PyTorch");
            m.put("engine", e.getEngineName() + " " + e.getVersion());
            m.put("gpus", Integer.toString(e.getGpuCount()));
        } catch (RuntimeException | LinkageError ex) {
            m.put("engine", "failed to load: " + ex.getMessage());
        }
        return m;
    }
}
