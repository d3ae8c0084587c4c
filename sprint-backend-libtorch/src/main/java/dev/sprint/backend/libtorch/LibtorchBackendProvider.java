package dev.sprint.backend.libtorch;

import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.Precision;
import dev.sprint.api.spi.Availability;
import dev.sprint.api.spi.Backend;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.BackendProvider;
import dev.sprint.core.spi.CpuFeatures;
import dev.sprint.core.spi.LibtorchProcess;
import dev.sprint.core.tensor.DType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libtorch through JavaCPP's presets ({@code libtorch}, priority 110: preferred over DJL when both are present),
 * the backend that computes bfloat16 and uses libtorch's fused attention.
 *
 * <p>Natives: {@code org.bytedeco:pytorch:2.7.1-1.5.12:linux-x86_64} (libtorch 2.7.1 CPU with oneDNN, 84 MB jar,
 * 342 MB unpacked into JavaCPP's cache, {@code ~/.javacpp/cache} or {@code -Dorg.bytedeco.javacpp.cachedir}) plus
 * OpenBLAS's; other platforms and CUDA builds are other classifiers of the same artifacts
 * ({@code linux-x86_64-gpu}, {@code macosx-arm64}, {@code windows-x86_64}).
 *
 * <p>Precision ({@link #choose}): AUTO computes bfloat16 on CUDA and on CPUs that report AMX-BF16 or AVX512-BF16,
 * float32 elsewhere; BFLOAT16 is honoured everywhere (with a one-time warning where the CPU would emulate it);
 * FLOAT16 is refused, because Gemma-2 must not run in float16 (the reference keeps it bf16 or float32).
 *
 * <p>Options ({@link BackendOptions#extra()}): {@code libtorch.channelsLast} ({@code true}: bf16 convolutions in
 * oneDNN's channels-last layout); {@code libtorch.blasThreads} (OpenBLAS's thread count for the whole process; this
 * libtorch build runs float32 matmuls on OpenBLAS, whose pool is separate from libtorch's OpenMP threads). By default
 * a bf16 CPU backend holds OpenBLAS at one thread while it is open (its float32 matmuls are small, and idle OpenBLAS
 * workers spin on the cores libtorch's threads need); float32 keeps OpenBLAS's default.
 */
public final class LibtorchBackendProvider implements BackendProvider {
    private static final Logger LOG = LoggerFactory.getLogger(LibtorchBackendProvider.class);
    private static final AtomicBoolean WARNED_SLOW_BF16 = new AtomicBoolean();

    @Override
    public String name() {
        return "libtorch";
    }

    @Override
    public int priority() {
        return 110;
    }

    @Override
    public String artifact() {
        return "dev.sprint:sprint-backend-libtorch";
    }

    @Override
    public Availability probe() {
        try {
            ClassLoader cl = LibtorchBackendProvider.class.getClassLoader();
            try {
                Class.forName("org.bytedeco.pytorch.global.torch", false, cl);
            } catch (ClassNotFoundException | LinkageError e) {
                return Availability.unusable("org.bytedeco:pytorch is not on the class path");
            }
            if (!LibtorchProcess.available("libtorch")) return Availability.unusable(LibtorchProcess.refusal("libtorch"));
            String platform = LibtorchNatives.platform();
            if (!LibtorchNatives.present(cl, platform)) {
                return Availability.unusable("no libtorch natives for " + platform + " on the class path; add "
                        + "org.bytedeco:pytorch:" + LibtorchNatives.VERSION + ":" + platform + " (and org.bytedeco:openblas for it)");
            }
            return Availability.usable("libtorch " + LibtorchNatives.VERSION + " natives for " + platform + "; "
                    + CpuFeatures.current().describeBf16(), List.of("cpu"));
        } catch (RuntimeException | LinkageError e) {
            return Availability.unusable("probe failed: " + e);
        }
    }

    /** The compute type of a request for {@code asked} precision, and why (for describe() and diagnostics). */
    record Choice(DType type, String reason, boolean slow) {}

    /** The precision rule (see the class comment); pure, so it is tested for every kind of machine. */
    static Choice choose(Precision asked, boolean cuda, CpuFeatures cpu) {
        return switch (asked) {
            case FLOAT32 -> new Choice(DType.F32, "float32 (asked for)", false);
            case FLOAT16 -> throw new BackendUnavailableException("the libtorch backend does not compute float16: Gemma-2"
                    + " overflows in it (the reference keeps it bfloat16 or float32); ask for bfloat16 or float32");
            case BFLOAT16 -> cuda || cpu.fastBf16()
                    ? new Choice(DType.BF16, "bfloat16 (asked for; " + (cuda ? "CUDA" : cpu.describeBf16()) + ")", false)
                    : new Choice(DType.BF16, "bfloat16 (asked for; " + cpu.describeBf16() + ", so it is slower than float32)", true);
            case AUTO -> cuda
                    ? new Choice(DType.BF16, "bfloat16 (AUTO on CUDA)", false)
                    : cpu.fastBf16()
                    ? new Choice(DType.BF16, "bfloat16 (AUTO: " + cpu.describeBf16() + ")", false)
                    : new Choice(DType.F32, "float32 (AUTO: " + cpu.describeBf16() + ")", false);
        };
    }

    @Override
    public Backend open(BackendOptions options) {
        String dev = options.device().trim().toLowerCase(Locale.ROOT);
        if (!dev.equals("auto") && !dev.equals("cpu") && !dev.equals("cuda") && !dev.matches("cuda:\\d{1,4}")) {
            throw new BackendUnavailableException("unknown device '" + options.device() + "' (use auto, cpu, cuda or cuda:N)");
        }
        LibtorchNatives.load();
        if (options.threads() > 0) LibtorchNatives.threads(options.threads());
        int gpus = LibtorchNatives.cudaDevices();
        int index = -1;
        if (dev.equals("auto")) {
            if (gpus > 0) index = 0;
            else if (options.deviceRequired()) throw new BackendUnavailableException("device auto with deviceRequired: libtorch sees no CUDA device");
        } else if (dev.startsWith("cuda")) {
            int want = dev.equals("cuda") ? 0 : Integer.parseInt(dev.substring(5));
            if (want < gpus) {
                index = want;
            } else if (options.deviceRequired()) {
                throw new BackendUnavailableException("device " + dev + " cannot be used: libtorch sees " + gpus + " CUDA device(s)"
                        + (gpus == 0 ? " (the CPU natives are on the class path; use the linux-x86_64-gpu classifier)" : ""));
            } else {
                LOG.warn("device {} unavailable (libtorch sees {} CUDA device(s)); running on CPU", dev, gpus);
            }
        }
        boolean cuda = index >= 0;
        Choice c = choose(options.precision(), cuda, CpuFeatures.current());
        if (c.slow() && WARNED_SLOW_BF16.compareAndSet(false, true)) {
            LOG.warn("bfloat16 was asked for on a CPU without AMX-BF16 or AVX512-BF16: it is computed, but slower than float32"
                    + " would be ({})", CpuFeatures.current().describeBf16());
        }
        LOG.info("libtorch backend on {}: {}", cuda ? "cuda:" + index : "cpu", c.reason());
        String cl = options.extra().getOrDefault("libtorch.channelsLast", "true").trim();
        if (!cl.equals("true") && !cl.equals("false")) {
            throw new BackendUnavailableException("libtorch.channelsLast must be true or false, got '" + cl + "'");
        }
        String blas = options.extra().get("libtorch.blasThreads");
        boolean holdSingleBlas = false;
        if (blas != null) {
            int n;
            try {
                n = Integer.parseInt(blas.trim());
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1 || n > 4096) throw new BackendUnavailableException("libtorch.blasThreads must be a thread count (1 or more), got '" + blas + "'");
            LibtorchNatives.pinBlasThreads(n);
            LOG.info("OpenBLAS threads set to {} for this process (libtorch.blasThreads)", n);
        } else if (!cuda && c.type() == DType.BF16) {
            holdSingleBlas = true; // see LibtorchNatives: its float32 side matmuls are small, its idle threads spin
        }
        return new LibtorchBackend(LibtorchNatives.device(index), cuda ? "cuda:" + index : "cpu", c.type(), c.reason(),
                Boolean.parseBoolean(cl), holdSingleBlas);
    }

    /**
     * Environment facts for {@code ./sprint diagnostics}: natives, versions, CPU bf16 support, what AUTO picks,
     * threads, CUDA. Loads libtorch; never throws.
     */
    public static Map<String, String> diagnostics() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("platform", LibtorchNatives.platform());
        m.put("natives", "org.bytedeco:pytorch:" + LibtorchNatives.VERSION + ":" + LibtorchNatives.platform()
                + (LibtorchNatives.present(LibtorchBackendProvider.class.getClassLoader(), LibtorchNatives.platform())
                ? " (on the class path)" : " (MISSING: add it for this platform)"));
        m.put("JavaCPP cache", LibtorchNatives.cacheDir());
        m.put("cpu bf16", CpuFeatures.current().describeBf16());
        if (!LibtorchProcess.available("libtorch")) {
            m.put("libtorch", "not loaded: " + LibtorchProcess.refusal("libtorch"));
            return m;
        }
        try {
            LibtorchNatives.load();
            int gpus = LibtorchNatives.cudaDevices();
            m.put("cuda devices (libtorch)", Integer.toString(gpus));
            m.put("AUTO precision", choose(Precision.AUTO, gpus > 0, CpuFeatures.current()).reason());
            m.put("intra-op threads", Integer.toString(LibtorchNatives.threads()));
            m.put("OpenBLAS threads (float32 matmuls)", LibtorchNatives.blasThreads()
                    + " (1 while a bf16 CPU backend is open; libtorch.blasThreads sets it)");
        } catch (RuntimeException | LinkageError e) {
            m.put("libtorch", "failed to load: " + e.getMessage());
        }
        return m;
    }
}
