package dev.sprint.examples;

import dev.sprint.api.spi.Availability;
import dev.sprint.api.spi.BackendProvider;
import dev.sprint.api.spi.Backends;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** {@code ./sprint diagnostics}: environment, backends found, what each can use and why not. */
final class Diagnostics {
    private Diagnostics() {}

    static int run(PrintStream out) {
        out.println("Sprint diagnostics");
        out.println("java: " + System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + " (" + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ")");
        out.println("cpus: " + Runtime.getRuntime().availableProcessors() + ", max heap: "
                + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MiB");
        Map<String, String> env = new TreeMap<>();
        for (String k : List.of("SPRINT_BACKEND", "HF_HOME", "HF_HUB_CACHE", "CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH",
                "PYTORCH_LIBRARY_PATH", "DJL_CACHE_DIR")) {
            String v = System.getenv(k);
            if (v != null) env.put(k, mask(k, v));
        }
        out.println("environment: " + (env.isEmpty() ? "(none of the relevant variables set)" : env));
        String prop = System.getProperty(Backends.PROPERTY);
        out.println("sprint.backend property: " + (prop == null ? "(unset)" : prop));
        List<BackendProvider> providers = Backends.providers();
        out.println("backends found: " + providers.size());
        for (BackendProvider p : providers) {
            Availability a;
            try {
                a = p.probe();
            } catch (RuntimeException | LinkageError e) {
                a = Availability.unusable("probe failed: " + e);
            }
            out.printf(Locale.ROOT, "  %-6s priority %-4d %s%n", p.name(), p.priority(), p.artifact());
            out.println("         " + (a.usable() ? "usable, devices " + a.devices() : "NOT usable"));
            if (a.reason() != null && !a.reason().isEmpty()) out.println("         " + a.reason());
        }
 
        if (providers.stream().anyMatch(p -> p.name().equals("libtorch"))) {
            out.println("libtorch (JavaCPP natives, bfloat16 support, what precision AUTO picks):");
            dev.sprint.backend.libtorch.LibtorchBackendProvider.diagnostics().forEach((k, v) -> out.println("  " + k + ": " + v));
        }
        if (providers.stream().anyMatch(p -> p.name().equals("djl"))) {
            out.println("djl natives (libtorch builds found, what DJL would download):");
            dev.sprint.backend.djl.DjlNatives.detect().describe().forEach((k, v) -> out.println("  " + k + ": " + v));
            out.println("djl engine (loads libtorch):");
            dev.sprint.backend.djl.DjlBackendProvider.diagnostics().forEach((k, v) -> out.println("  " + k + ": " + v));
        }
        if (providers.stream().anyMatch(p -> p.name().equals("onnx"))) {
            out.println("onnx runtime (flavour on the class path, execution providers):");
            dev.sprint.backend.onnx.OnnxRuntimeFlavour.diagnostics().forEach((k, v) -> out.println("  " + k + ": " + v));
        }
        try {
            out.println("selected by default: " + Backends.select(null).name());
        } catch (RuntimeException e) {
            out.println("selected by default: none - " + e.getMessage());
        }
        return 0;
    }

    private static String mask(String key, String value) {
        String k = key.toUpperCase(Locale.ROOT);
        return k.contains("TOKEN") || k.contains("KEY") || k.contains("PASSWORD") ? "****" : value;
    }
}
