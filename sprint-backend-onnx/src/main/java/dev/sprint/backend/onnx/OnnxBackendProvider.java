package dev.sprint.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.Precision;
import dev.sprint.core.spi.CpuFeatures;
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
 * {@code onnxruntime_gpu} and the system's CUDA 12 libraries.
 *
 * <p>Options:
 * <ul>
 *   <li>{@link BackendOptions#threads()}: intra-op threads of each session (0 = ORT's default, one per
 *       physical core).</li>
 *   <li>{@link BackendOptions#precision()}: {@code FLOAT16} or {@code AUTO} on CUDA computes in float16
 *       (weights converted once when uploaded); CPU always computes float32 ({@code FLOAT16} on CPU logs
 *       one warning when the backend is opened).</li>
 *   <li>{@code extra "onnx.sessionCache"}: how many ONNX Runtime sessions (one per distinct traced graph:
 *       component × input shapes × weights) are kept, least recently used first out; default 32. An
 *       evicted session is closed, and a later call of that graph pays session creation again.</li>
 *   <li>{@code extra "onnx.executionMode"}: {@code sequential} (default) runs one node at a time, each
 *       using the intra-op threads; {@code parallel} also runs independent branches concurrently.</li>
 *   <li>{@code extra "onnx.interOpThreads"}: threads for running branches concurrently in {@code parallel}
 *       mode (0 = ORT's default); ignored in {@code sequential} mode.</li>
 *   <li>{@code extra "onnx.prepackWeights"}: {@code true} (default) lets ORT pre-pack constant GEMM/conv
 *       weights, which is faster but keeps one packed copy of the weights per cached session; {@code false}
 *       keeps only the checkpoint's copy, for large models run at many shapes (e.g. SwD's scales, each a
 *       separate graph).</li>
 * </ul>
 * An invalid option value fails {@link #open} with a {@link BackendUnavailableException}.
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
        OrtEnvironment env = OrtEnvironments.get(); // on a thread with room for ORT's start-up (see there)
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
        if (options.precision() == Precision.BFLOAT16) {
            throw CpuFeatures.bf16Unsupported("onnx", "ONNX Runtime has no bfloat16 MatMul or Conv kernels"
                    + " on CPU and Sprint's ONNX graphs compute float32 or float16");
        }
        // Precision.AUTO means float16 on CUDA, float32 on CPU (see Precision); CPU always computes float32
        boolean half = cuda && options.precision() != Precision.FLOAT32;
        if (!cuda && options.precision() == Precision.FLOAT16) { // once per opened backend
            LOG.warn("float16 was asked for, but the ONNX backend computes float32 on CPU");
        }
        OnnxBackend.Settings settings = new OnnxBackend.Settings(options.threads(),
                intExtra(options, "onnx.interOpThreads", 0), executionMode(options),
                intExtra(options, "onnx.sessionCache", 32), half, boolExtra(options, "onnx.prepackWeights", true),
                // ORT's CPU arena keeps each session's activation peak for good: 18.7 GB peak instead of 14.8 GB for
                // full-size SANA-Sprint 0.6B at 1024², for the same speed (57.1 vs 59.0 s, within run-to-run noise)
                optimization(options), boolExtra(options, "onnx.memoryArena", false),
                !"initializers".equals(options.extra().getOrDefault("onnx.weights", "inputs").trim()));
        return new OnnxBackend(env, cuda ? "cuda:" + index : "cpu", cuda, index, settings);
    }

    private static OrtSession.SessionOptions.OptLevel optimization(BackendOptions options) {
        String v = options.extra().getOrDefault("onnx.optimization", "all").trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "all" -> OrtSession.SessionOptions.OptLevel.ALL_OPT;
            case "extended" -> OrtSession.SessionOptions.OptLevel.EXTENDED_OPT;
            case "basic" -> OrtSession.SessionOptions.OptLevel.BASIC_OPT;
            case "none", "disabled" -> OrtSession.SessionOptions.OptLevel.NO_OPT;
            default -> throw new BackendUnavailableException("backend option onnx.optimization=" + v
                    + " is not all, extended, basic or none");
        };
    }

    private static int intExtra(BackendOptions options, String key, int dflt) {
        String v = options.extra().get(key);
        if (v == null) return dflt;
        try {
            int i = Integer.parseInt(v.trim());
            if (i >= (key.equals("onnx.sessionCache") ? 1 : 0)) return i;
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new BackendUnavailableException("backend option " + key + "=" + v + " is not a valid count");
    }

    private static boolean boolExtra(BackendOptions options, String key, boolean dflt) {
        String v = options.extra().get(key);
        if (v == null) return dflt;
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new BackendUnavailableException("backend option " + key + "=" + v + " is not true or false");
        };
    }

    private static OrtSession.SessionOptions.ExecutionMode executionMode(BackendOptions options) {
        String v = options.extra().getOrDefault("onnx.executionMode", "sequential").trim().toLowerCase(Locale.ROOT);
        return switch (v) {
            case "sequential" -> OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL;
            case "parallel" -> OrtSession.SessionOptions.ExecutionMode.PARALLEL;
            default -> throw new BackendUnavailableException(
                    "backend option onnx.executionMode=" + v + " is not 'sequential' or 'parallel'");
        };
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
