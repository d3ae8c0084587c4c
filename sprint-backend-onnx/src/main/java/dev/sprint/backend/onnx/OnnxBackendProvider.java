package dev.sprint.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.Precision;
import dev.sprint.api.spi.Availability;
import dev.sprint.api.spi.Backend;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.BackendProvider;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONNX Runtime backend ({@code onnx}): CPU with the {@code onnxruntime} artifact, CUDA with
 * {@code onnxruntime_gpu} and the system's CUDA 12 libraries. Options (backend extras):
 * {@code onnx.sessionCache} (sessions kept, default 32).
 */
public final class OnnxBackendProvider implements BackendProvider {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxBackendProvider.class);

    @Override
    public String name() {
        return "onnx";
    }

    @Override
    public int priority() {
        return 50;
    }

    @Override
    public String artifact() {
        return "dev.sprint:sprint-backend-onnx";
    }

    @Override
    public Availability probe() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, OnnxBackendProvider.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return Availability.unusable("com.microsoft.onnxruntime:onnxruntime is not on the class path");
        }
        return Availability.usable("CPU always; CUDA when onnxruntime_gpu and CUDA 12 libraries are present (known after open)",
                List.of("cpu"));
    }

    @Override
    public Backend open(BackendOptions options) {
        OrtEnvironment env;
        try {
            env = OrtEnvironment.getEnvironment();
        } catch (RuntimeException | LinkageError e) {
            throw new BackendUnavailableException("ONNX Runtime native library could not be loaded: " + e, e);
        }
        String dev = options.device().toLowerCase(Locale.ROOT);
        boolean wantCuda = dev.startsWith("cuda") || dev.equals("auto");
        int index = dev.startsWith("cuda:") ? Integer.parseInt(dev.substring(5)) : 0;
        boolean cuda = false;
        if (wantCuda) {
            String why = cudaProblem(env, index);
            if (why == null) {
                cuda = true;
            } else if (dev.startsWith("cuda") && options.deviceRequired()) {
                throw new BackendUnavailableException("CUDA was asked for but ONNX Runtime cannot use it: " + why);
            } else if (dev.startsWith("cuda")) {
                LOG.warn("CUDA unavailable for ONNX Runtime ({}); running on CPU", why);
            } else {
                LOG.debug("ONNX Runtime CUDA not available ({}); using CPU", why);
            }
        } else if (!dev.equals("cpu")) {
            throw new BackendUnavailableException("unknown device '" + options.device() + "' (auto, cpu, cuda, cuda:N)");
        }
        if (options.precision() == Precision.FLOAT16) {
            LOG.warn("the ONNX backend computes in float32; float16 is not implemented yet");
        }
        int cache = Integer.parseInt(options.extra().getOrDefault("onnx.sessionCache", "32"));
        return new OnnxBackend(env, cuda ? "cuda:" + index : "cpu", cuda, index, options.threads(), cache);
    }

    /** Null when CUDA can be used, else why not. */
    private static String cudaProblem(OrtEnvironment env, int index) {
        if (!OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
            return "this ONNX Runtime build has no CUDA provider (use com.microsoft.onnxruntime:onnxruntime_gpu)";
        }
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.addCUDA(index);
            return null;
        } catch (OrtException | RuntimeException e) {
            return "CUDA provider failed to load (missing CUDA 12 / cuDNN libraries?): " + e.getMessage();
        }
    }
}
