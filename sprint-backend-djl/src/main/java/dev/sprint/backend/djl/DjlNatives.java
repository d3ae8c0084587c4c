package dev.sprint.backend.djl;

import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * Where DJL would take libtorch from, and what it would download: the {@code pytorch-native-*} jars on the
 * class path (CPU builds are on Maven Central; CUDA builds of libtorch 2.7.1 are not), the JNI bridges
 * {@code pytorch-jni} carries per flavour, DJL's cache ({@code ~/.djl.ai/pytorch}), and the overrides
 * ({@code PYTORCH_LIBRARY_PATH}, {@code PYTORCH_FLAVOR}, {@code ai.djl.offline}). Reads resources and folders
 * only; loads no native code.
 *
 * <p>DJL's order: {@code PYTORCH_LIBRARY_PATH} (an installed libtorch, e.g. pip's {@code torch/lib}) first, then a
 * native jar on the class path, then its cache folder {@code <cache>/pytorch/<version>-<flavor>-<classifier>}, and
 * only then, when {@code ai.djl.offline} is false, a download from {@code https://publish.djl.ai/pytorch/<version>/}
 * (its {@code files.txt}, then the {@code <flavor>/<classifier>/native/lib/*.gz} it lists) into that cache folder.
 * The flavor is {@code cu<CUDA version>} on a machine with a visible NVIDIA GPU (DJL takes the highest published
 * CUDA build not newer than it), else {@code cpu}; {@code PYTORCH_FLAVOR} overrides it.
 *
 * @param libtorchVersion libtorch version the engine expects (from {@code pytorch-engine.properties})
 * @param djlVersion      DJL version of the engine
 * @param nativeJars      native builds on the class path, as {@code <flavor> <version> <classifier> (<location>)}
 * @param nativeFlavors   their flavors ({@code cpu}, {@code cu128}, ...)
 * @param nativeClassifiers the platforms they are built for ({@code linux-x86_64}, ...)
 * @param jniBridges      flavors {@code pytorch-jni} has a JNI bridge for on this platform's classifier
 * @param cached          entries of {@code <cache>/pytorch} ({@code 2.7.1-cu128-linux-x86_64}, ...)
 * @param cacheDir        DJL's cache folder
 * @param classifier      DJL's name of this platform ({@code linux-x86_64}, {@code osx-aarch64}, ...)
 * @param offline         whether DJL may download ({@code ai.djl.offline} / {@code DJL_OFFLINE}; Sprint defaults it to true)
 * @param libraryPath     {@code PYTORCH_LIBRARY_PATH}, or null
 */
public record DjlNatives(String libtorchVersion, String djlVersion, List<String> nativeJars, List<String> nativeFlavors,
                         List<String> nativeClassifiers, List<String> jniBridges, List<String> cached, Path cacheDir, String classifier, boolean offline,
                         String libraryPath) {
    public DjlNatives {
        nativeJars = List.copyOf(nativeJars);
        nativeFlavors = List.copyOf(nativeFlavors);
        nativeClassifiers = List.copyOf(nativeClassifiers);
        jniBridges = List.copyOf(jniBridges);
        cached = List.copyOf(cached);
    }

    /**
     * Platforms {@code ai.djl.pytorch:pytorch-native-cpu} 2.7.1 is published for on Maven Central (checked with
     * {@code mvn dependency:get}; there is no osx-x86_64 build); sprint-backend-djl's pom adds the one Maven builds on.
     */
    static final List<String> CPU_PLATFORMS = List.of("linux-x86_64", "linux-aarch64", "osx-aarch64", "win-x86_64");

    /** What this JVM's class path and DJL cache hold. Never throws. */
    public static DjlNatives detect() {
        DjlBackendProvider.offlineByDefault();
        return detect(DjlNatives.class.getClassLoader(), DjlBackendProvider.djlCacheDir(), offlineSetting(),
                setting("PYTORCH_LIBRARY_PATH"));
    }

    static DjlNatives detect(ClassLoader cl, Path cacheDir, boolean offline, String libraryPath) {
        String classifier = currentClassifier();
        Properties engine = properties(cl, "pytorch-engine.properties");
        List<String> jars = new ArrayList<>();
        List<String> flavors = new ArrayList<>();
        List<String> classifiers = new ArrayList<>();
        try {
            for (URL u : Collections.list(cl.getResources("native/lib/pytorch.properties"))) {
                Properties p = load(u);
                if (Boolean.parseBoolean(p.getProperty("placeholder"))) continue;
                String flavor = p.getProperty("flavor", "?");
                jars.add(flavor + " " + p.getProperty("version", "?") + " " + p.getProperty("classifier", "?") + " ("
                        + location(u) + ")");
                if (!flavors.contains(flavor)) flavors.add(flavor);
                String c = p.getProperty("classifier", "?");
                if (!classifiers.contains(c)) classifiers.add(c);
            }
        } catch (IOException | RuntimeException e) {
            // none readable
        }
        List<String> cached = new ArrayList<>();
        Path pytorch = cacheDir.resolve("pytorch");
        if (Files.isDirectory(pytorch)) {
            try (Stream<Path> s = Files.list(pytorch)) {
                s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith("tmp"))
                        .sorted().forEach(cached::add);
            } catch (IOException e) {
                // unreadable cache: reported as empty
            }
        }
        return new DjlNatives(engine.getProperty("pytorch_version", "unknown"), engine.getProperty("djl_version", "unknown"),
                jars, flavors, classifiers, jniBridges(cl, classifier), cached, cacheDir, classifier, offline, libraryPath);
    }

    /** A CUDA build of libtorch is where DJL looks: a native jar, the cache, or an installed one it is pointed at. */
    public boolean cudaLibtorchPresent() {
        return nativeFlavors.stream().anyMatch(f -> f.startsWith("cu"))
                || cached.stream().anyMatch(c -> c.startsWith(libtorchVersion + "-cu"))
                || libraryPath != null;
    }

    /**
     * A libtorch for this platform is where DJL looks without downloading: a native jar of this platform's
     * classifier, a build of the expected version for it in DJL's cache, or an installed one it is pointed at.
     */
    public boolean libtorchForThisPlatform() {
        return nativeClassifiers.contains(classifier) || libraryPath != null
                || cached.stream().anyMatch(c -> c.startsWith(libtorchVersion + "-") && c.endsWith("-" + classifier));
    }

    /**
     * How to get libtorch's CPU natives on a platform: the Maven coordinates where Maven Central has them (and how
     * the build selects them), else what is left. Used by {@code ./sprint diagnostics} and the backend's errors.
     */
    static String cpuNativesAdvice(String classifier, String version) {
        if (CPU_PLATFORMS.contains(classifier)) {
            return "add ai.djl.pytorch:pytorch-native-cpu:" + version + ":" + classifier + " (sprint-backend-djl's pom adds it "
                    + "when Maven builds on " + classifier + "; building elsewhere, pass -Dsprint.platform=" + classifier
                    + "; Gradle ignores Maven profiles, so declare it there)";
        }
        return "Maven Central has no libtorch " + version + " CPU build for " + classifier + " (only for "
                + String.join(", ", CPU_PLATFORMS) + "); set PYTORCH_LIBRARY_PATH to a libtorch " + version
                + " built for this platform (with PYTORCH_VERSION=" + version + " PYTORCH_FLAVOR=cpu)";
    }

    /** Why DJL finds no libtorch for this platform and what to add; null when one is there. */
    public String missingLibtorch() {
        if (libtorchForThisPlatform()) return null;
        String found = nativeClassifiers.isEmpty() ? "no libtorch natives on the class path"
                : "the libtorch natives on the class path are for " + nativeClassifiers + ", not " + classifier;
        return found + ", none for " + classifier + " in DJL's cache " + cacheDir.resolve("pytorch")
                + ", PYTORCH_LIBRARY_PATH unset: " + cpuNativesAdvice(classifier, libtorchVersion);
    }

    /** The folder DJL downloads a flavor into, e.g. {@code ~/.djl.ai/pytorch/2.7.1-cu128-linux-x86_64}. */
    public Path downloadFolder(String flavor) {
        return cacheDir.resolve("pytorch").resolve(libtorchVersion + "-" + flavor + "-" + classifier);
    }

    /** Human-readable facts and the next step for CUDA, for {@code ./sprint diagnostics}. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("libtorch expected", libtorchVersion + " (DJL " + djlVersion + ", platform " + classifier + ")");
        m.put("native jars on the class path", nativeJars.isEmpty() ? "none" : String.join("; ", nativeJars));
        String missing = missingLibtorch();
        m.put("libtorch for " + classifier, missing == null ? "present" : "MISSING: " + missing
                + (offline ? "" : " (downloads are on: DJL will try https://publish.djl.ai instead)"));
        m.put("JNI bridges in pytorch-jni", jniBridges.toString());
        m.put("DJL cache", cacheDir.resolve("pytorch") + " " + (cached.isEmpty() ? "(empty)" : cached.toString()));
        m.put("PYTORCH_LIBRARY_PATH", libraryPath == null ? "(unset)" : libraryPath);
        m.put("downloads", offline ? "off (ai.djl.offline=true): only the class path, the cache and PYTORCH_LIBRARY_PATH"
                : "on: a missing libtorch is fetched from https://publish.djl.ai/pytorch/" + libtorchVersion + "/");
        String cuda = jniBridges.stream().filter(f -> f.startsWith("cu")).findFirst().orElse(null);
        if (cudaLibtorchPresent()) {
            m.put("CUDA libtorch", "present" + (nativeFlavors.contains("cpu") && libraryPath == null
                    ? "; the CPU jar is also on the class path and DJL prefers class-path natives: exclude "
                    + "ai.djl.pytorch:pytorch-native-cpu" : ""));
        } else if (cuda == null) {
            m.put("CUDA libtorch", "absent; pytorch-jni has no CUDA bridge for " + classifier);
        } else {
            m.put("CUDA libtorch", "absent. To use " + cuda + ": exclude ai.djl.pytorch:pytorch-native-cpu, then either run "
                    + "once with -Dai.djl.offline=false (DJL downloads libtorch " + libtorchVersion + " " + cuda + ", several GB, "
                    + "into " + downloadFolder(cuda) + "; later runs stay offline) or set "
                    + "PYTORCH_LIBRARY_PATH to an installed torch " + libtorchVersion + "+" + cuda + " lib folder "
                    + "(with PYTORCH_VERSION=" + libtorchVersion + " PYTORCH_FLAVOR=" + cuda + ")");
        }
        return m;
    }

    /** DJL's platform classifier ({@code linux-x86_64}, {@code linux-aarch64}, {@code osx-aarch64}, {@code win-x86_64}). */
    static String currentClassifier() {
        String os = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(java.util.Locale.ROOT);
        String o = os.startsWith("win") ? "win" : os.startsWith("mac") ? "osx" : "linux";
        String a = arch.equals("amd64") || arch.equals("x86_64") ? "x86_64" : arch.equals("arm64") ? "aarch64" : arch;
        return o + "-" + a;
    }

    private static List<String> jniBridges(ClassLoader cl, String classifier) {
        TreeSet<String> out = new TreeSet<>();
        try {
            URL u = cl.getResource("jnilib/pytorch.properties");
            if (u != null && "jar".equals(u.getProtocol())) {
                URL jarUrl = ((JarURLConnection) u.openConnection()).getJarFileURL();
                try (JarFile jar = new JarFile(Paths.get(jarUrl.toURI()).toFile())) {
                    String prefix = "jnilib/" + classifier + "/";
                    for (JarEntry e : Collections.list(jar.entries())) {
                        String n = e.getName();
                        if (n.startsWith(prefix) && !e.isDirectory()) {
                            String rest = n.substring(prefix.length());
                            int slash = rest.indexOf('/');
                            if (slash > 0) out.add(rest.substring(0, slash));
                        }
                    }
                }
            }
        } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
            // no bridges readable
        }
        return new ArrayList<>(out);
    }

    private static Properties properties(ClassLoader cl, String name) {
        URL u = cl.getResource(name);
        if (u == null) return new Properties();
        try {
            return load(u);
        } catch (IOException e) {
            return new Properties();
        }
    }

    private static Properties load(URL u) throws IOException {
        Properties p = new Properties();
        try (InputStream in = u.openStream()) {
            p.load(in);
        }
        return p;
    }

    private static String location(URL u) {
        try {
            if ("jar".equals(u.getProtocol())) return ((JarURLConnection) u.openConnection()).getJarFileURL().getPath();
        } catch (IOException | RuntimeException e) {
            // fall through
        }
        return u.toString();
    }

    /** DJL's own rule: the DJL_OFFLINE environment variable, else the ai.djl.offline system property. */
    private static boolean offlineSetting() {
        String v = System.getenv("DJL_OFFLINE");
        if (v == null) v = System.getProperty("ai.djl.offline");
        return Boolean.parseBoolean(v);
    }

    private static String setting(String name) {
        String v = System.getProperty(name);
        return v != null ? v : System.getenv(name);
    }
}
