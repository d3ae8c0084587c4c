package dev.sprint.core.spi;

import dev.sprint.api.BackendUnavailableException;

/**
 * Which backend brought libtorch into this JVM. The DJL and libtorch backends each load their own copy of libtorch,
 * and two copies cannot share a process: the second one's operator registrations collide with the first's and libtorch
 * aborts the JVM ({@code terminate}: "Tried to register multiple backend fallbacks"). So the first backend to load
 * libtorch claims the process and the other refuses to open, with a clear error instead of a crash. The claim is a
 * system property, so it holds across class loaders.
 */
public final class LibtorchProcess {
    private static final String PROPERTY = "dev.sprint.libtorch.loadedBy";

    private LibtorchProcess() {}

    /** The backend ("djl" or "libtorch") whose libtorch is loaded in this JVM, or null. */
    public static String owner() {
        return System.getProperty(PROPERTY);
    }

    /** Whether {@code backend} may load libtorch here (nobody has, or it already did). */
    public static boolean available(String backend) {
        String o = owner();
        return o == null || o.equals(backend);
    }

    /** Claims the process for {@code backend} before it loads libtorch, or refuses when the other backend did. */
    public static synchronized void claim(String backend) {
        String o = owner();
        if (o == null) {
            System.setProperty(PROPERTY, backend);
        } else if (!o.equals(backend)) {
            throw new BackendUnavailableException(refusal(backend));
        }
    }

    /** Why {@code backend} cannot load libtorch in this JVM. */
    public static String refusal(String backend) {
        return "the " + owner() + " backend already loaded its libtorch in this JVM, and a second copy (the " + backend
                + " backend's) would abort the process; use one of the djl and libtorch backends per JVM";
    }
}
