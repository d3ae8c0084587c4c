package dev.sprint.backend.onnx;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtProvider;
import ai.onnxruntime.OrtSession;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which ONNX Runtime build is on the class path: {@code com.microsoft.onnxruntime:onnxruntime} (CPU) or
 * {@code onnxruntime_gpu} (CUDA and TensorRT execution providers, Linux x64 / Windows x64), found from the jars'
 * Maven descriptors and the provider libraries they bundle for this platform. {@link #detect()} reads jar
 * directories only and loads no native code; {@link #diagnostics()} also asks the loaded runtime.
 *
 * @param jars     every jar holding ONNX Runtime's Java classes (more than one is a conflict: same classes, different natives)
 * @param platform ONNX Runtime's name of this platform, e.g. {@code linux-x64}
 */
public record OnnxRuntimeFlavour(List<Jar> jars, String platform) {
    private static final String ORT_CLASS = "ai/onnxruntime/OrtEnvironment.class";
    private static final Pattern DESCRIPTOR = Pattern.compile("META-INF/maven/com\\.microsoft\\.onnxruntime/([^/]+)/pom\\.xml");
    private static final Pattern VERSION = Pattern.compile("<artifactId>[^<]*</artifactId>\\s*<version>([^<]+)</version>");

    public OnnxRuntimeFlavour {
        jars = List.copyOf(jars);
    }

    /**
     * One ONNX Runtime jar.
     *
     * @param artifact  Maven artifact id ({@code onnxruntime}, {@code onnxruntime_gpu}), or {@code unknown}
     * @param version   its version, or {@code unknown}
     * @param location  where it was loaded from
     * @param platforms platforms it has natives for ({@code linux-x64}, {@code win-x64}, ...)
     * @param providers execution-provider libraries it bundles for this platform ({@code cuda}, {@code tensorrt}, ...)
     */
    public record Jar(String artifact, String version, String location, List<String> platforms, List<String> providers) {
        public Jar {
            platforms = List.copyOf(platforms);
            providers = List.copyOf(providers);
        }
    }

    /** The ONNX Runtime jars visible to Sprint's class loader. Never throws; loads no native code. */
    public static OnnxRuntimeFlavour detect() {
        return detect(OnnxRuntimeFlavour.class.getClassLoader());
    }

    /** The ONNX Runtime jars visible to {@code loader}. */
    static OnnxRuntimeFlavour detect(ClassLoader loader) {
        List<Jar> jars = new ArrayList<>();
        String platform = currentPlatform();
        try {
            Enumeration<URL> found = loader.getResources(ORT_CLASS);
            for (URL u : Collections.list(found)) jars.add(jar(u, platform));
        } catch (IOException | RuntimeException e) {
            // reported as "none found"
        }
        return new OnnxRuntimeFlavour(jars, platform);
    }

    /**
     * {@code none} (no ONNX Runtime), {@code cpu}, {@code gpu} (the jar bundles the CUDA provider for this platform),
     * or {@code conflict} (several ONNX Runtime jars).
     */
    public String flavour() {
        if (jars.isEmpty()) return "none";
        if (jars.size() > 1) return "conflict";
        return jars.get(0).providers().contains("cuda") ? "gpu" : "cpu";
    }

    /** Human-readable facts for {@code ./sprint diagnostics}: the jars, the flavour and what to change. */
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("platform", platform);
        if (jars.isEmpty()) {
            m.put("flavour", "none: com.microsoft.onnxruntime:onnxruntime is not on the class path");
            return m;
        }
        for (int i = 0; i < jars.size(); i++) {
            Jar j = jars.get(i);
            m.put(jars.size() == 1 ? "jar" : "jar " + (i + 1), "com.microsoft.onnxruntime:" + j.artifact() + ":" + j.version()
                    + " (" + j.location() + ")");
            m.put(jars.size() == 1 ? "bundled providers" : "bundled providers " + (i + 1),
                    (j.providers().isEmpty() ? "none (CPU only)" : j.providers().toString()) + " for " + platform
                            + "; natives for " + j.platforms());
        }
        m.put("flavour", switch (flavour()) {
            case "gpu" -> "gpu (CUDA 12 + cuDNN 9 libraries must be installed for the CUDA provider to load)";
            case "conflict" -> "conflict: " + jars.size() + " ONNX Runtime jars hold the same classes; keep one (exclude "
                    + "com.microsoft.onnxruntime:onnxruntime when using onnxruntime_gpu)";
            default -> jars.get(0).platforms().contains(platform) || jars.get(0).platforms().isEmpty()
                    ? "cpu (for NVIDIA GPUs use dev.sprint:sprint-backend-onnx-gpu, which swaps in onnxruntime_gpu)"
                    : "cpu, but no natives for " + platform + " in this jar";
        });
        String nativePath = System.getProperty("onnxruntime.native.path");
        if (nativePath != null) m.put("onnxruntime.native.path", nativePath + " (natives loaded from this folder)");
        return m;
    }

    /**
     * {@link #describe()} plus what the loaded runtime reports: its execution providers and whether the CUDA one
     * loads. Loads ONNX Runtime's native library; never throws.
     */
    public static Map<String, String> diagnostics() {
        OnnxRuntimeFlavour f = detect();
        Map<String, String> m = f.describe();
        if (f.jars().isEmpty()) return m;
        try {
            // created on OrtEnvironments' big-stack thread: on the caller's stack ORT's start-up can overflow (SIGSEGV)
            OrtEnvironments.get();
            m.put("execution providers (compiled in)", OrtEnvironment.getAvailableProviders().toString());
            if (OrtEnvironment.getAvailableProviders().contains(OrtProvider.CUDA)) {
                try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                    o.addCUDA(0);
                    m.put("CUDA provider", "loads (device 0)");
                } catch (Exception | LinkageError e) {
                    m.put("CUDA provider", "does not load: " + e.getMessage());
                }
            }
        } catch (RuntimeException | LinkageError e) {
            m.put("execution providers (compiled in)", "unknown: the native library did not load (" + e.getMessage() + ")");
        }
        return m;
    }

    /** ONNX Runtime's platform folder name ({@code ai/onnxruntime/native/<platform>/}). */
    static String currentPlatform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        String o = os.contains("win") ? "win" : os.contains("mac") || os.contains("darwin") ? "osx" : "linux";
        String a = switch (arch) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return o + "-" + a;
    }

    private static Jar jar(URL classUrl, String platform) {
        String location = classUrl.toString();
        if (!"jar".equals(classUrl.getProtocol())) return new Jar("unknown", "unknown", location, List.of(), List.of());
        try {
            URL jarUrl = ((JarURLConnection) classUrl.openConnection()).getJarFileURL();
            location = jarUrl.toString();
            // a JarFile of our own: the class loader's cached one must not be closed
            try (JarFile jar = new JarFile(new File(jarUrl.toURI()))) {
                String artifact = "unknown";
                String version = "unknown";
                TreeSet<String> platforms = new TreeSet<>();
                List<String> providers = new ArrayList<>();
                String prefix = "ai/onnxruntime/native/";
                String lib = System.mapLibraryName("onnxruntime_providers_@");
                String[] libParts = lib.split("@", 2);
                for (Enumeration<JarEntry> e = jar.entries(); e.hasMoreElements(); ) {
                    String name = e.nextElement().getName();
                    Matcher d = DESCRIPTOR.matcher(name);
                    if (d.matches()) {
                        artifact = d.group(1);
                        version = version(jar, name);
                    } else if (name.startsWith(prefix) && !name.endsWith("/")) {
                        String rest = name.substring(prefix.length());
                        int slash = rest.indexOf('/');
                        if (slash <= 0) continue;
                        String plat = rest.substring(0, slash);
                        String file = rest.substring(slash + 1);
                        if (file.contains("/")) continue; // debug symbol bundles
                        platforms.add(plat);
                        if (plat.equals(platform) && file.startsWith(libParts[0]) && file.endsWith(libParts[1])) {
                            String p = file.substring(libParts[0].length(), file.length() - libParts[1].length());
                            if (!p.equals("shared")) providers.add(p); // "shared" is the loader every provider needs
                        }
                    }
                }
                Collections.sort(providers);
                return new Jar(artifact, version, location, new ArrayList<>(platforms), providers);
            }
        } catch (IOException | URISyntaxException | RuntimeException e) {
            return new Jar("unknown", "unknown", location, List.of(), List.of());
        }
    }

    private static String version(JarFile jar, String pomEntry) {
        try (InputStream in = jar.getInputStream(jar.getEntry(pomEntry))) {
            String pom = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            Matcher v = VERSION.matcher(pom);
            return v.find() ? v.group(1).trim() : "unknown";
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
