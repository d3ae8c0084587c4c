package dev.sprint.api.spi;

import dev.sprint.api.BackendUnavailableException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Finds {@link BackendProvider}s with {@link ServiceLoader} and picks one: an explicit name first,
 * then the {@code sprint.backend} system property or {@code SPRINT_BACKEND} environment variable,
 * then the usable provider with the highest priority (ties broken by name).
 */
public final class Backends {
    /** System property naming the backend to use when the caller names none. */
    public static final String PROPERTY = "sprint.backend";
    /** Environment variable naming the backend to use when the caller names none. */
    public static final String ENV = "SPRINT_BACKEND";

    private static final String HINT = "add dev.sprint:sprint-backend-djl (PyTorch, CPU/CUDA) "
            + "or dev.sprint:sprint-backend-onnx (ONNX Runtime) to the class path";

    private Backends() {}

    /** Every provider on the class path (thread context loader first, then Sprint's own), sorted by priority. */
    public static List<BackendProvider> providers() {
        List<BackendProvider> found = new ArrayList<>();
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        if (tccl != null) ServiceLoader.load(BackendProvider.class, tccl).forEach(found::add);
        ServiceLoader.load(BackendProvider.class, Backends.class.getClassLoader()).forEach(p -> {
            if (found.stream().noneMatch(f -> f.getClass().getName().equals(p.getClass().getName()))) found.add(p);
        });
        found.sort(Comparator.comparingInt(BackendProvider::priority).reversed().thenComparing(BackendProvider::name));
        return found;
    }

    /**
     * Picks a provider.
     *
     * @param explicit a name the caller asked for, or null
     * @throws BackendUnavailableException listing every provider found and why each is unusable
     */
    public static BackendProvider select(String explicit) {
        String wanted = explicit;
        if (wanted == null || wanted.isBlank()) wanted = System.getProperty(PROPERTY);
        if (wanted == null || wanted.isBlank()) wanted = System.getenv(ENV);
        List<BackendProvider> all = providers();
        if (wanted != null && !wanted.isBlank()) {
            String w = wanted.trim().toLowerCase(Locale.ROOT);
            for (BackendProvider p : all) {
                if (p.name().equalsIgnoreCase(w)) {
                    Availability a = p.probe();
                    if (!a.usable()) {
                        throw new BackendUnavailableException("backend '" + p.name() + "' is on the class path but not usable: "
                                + a.reason() + "\n" + describe(all));
                    }
                    return p;
                }
            }
            throw new BackendUnavailableException("backend '" + wanted + "' was asked for but is not on the class path; "
                    + HINT + "\n" + describe(all));
        }
        for (BackendProvider p : all) {
            if (p.probe().usable()) return p;
        }
        throw new BackendUnavailableException("no usable Sprint backend; " + HINT + "\n" + describe(all));
    }

    /** One line per provider: name, priority, artifact, availability. */
    public static String describe(List<BackendProvider> all) {
        if (all.isEmpty()) return "providers found: none";
        StringBuilder b = new StringBuilder("providers found:");
        for (BackendProvider p : all) {
            Availability a;
            try {
                a = p.probe();
            } catch (RuntimeException | LinkageError e) { // a probe must not throw; report it if one does
                a = Availability.unusable("probe failed: " + e);
            }
            b.append("\n  ").append(p.name()).append(" (priority ").append(p.priority()).append(", ")
                    .append(p.artifact()).append("): ")
                    .append(a.usable() ? "usable on " + a.devices() : "unusable")
                    .append(a.reason() == null || a.reason().isEmpty() ? "" : " - " + a.reason());
        }
        return b.toString();
    }
}
