package dev.sprint.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which ONNX Runtime flavour is reported: the real CPU jar of the test class path, and jars laid out as
 * onnxruntime_gpu is (its Maven descriptor and CUDA/TensorRT provider libraries), alone and next to the CPU jar.
 */
class OnnxRuntimeFlavourTest {

    @Test
    void theBuildsOwnClassPathHasTheCpuJar() {
        OnnxRuntimeFlavour f = OnnxRuntimeFlavour.detect();
        assertEquals(1, f.jars().size(), f.jars().toString());
        OnnxRuntimeFlavour.Jar jar = f.jars().get(0);
        assertEquals("onnxruntime", jar.artifact());
        assertTrue(jar.version().matches("\\d+\\.\\d+\\.\\d+.*"), jar.version());
        assertTrue(jar.platforms().contains(OnnxRuntimeFlavour.currentPlatform()), jar.platforms().toString());
        assertEquals(List.of(), jar.providers());
        assertEquals("cpu", f.flavour());
        assertTrue(f.describe().get("flavour").contains("sprint-backend-onnx-gpu"), f.describe().toString());
        // the loaded runtime: the CPU build has the CPU provider and no CUDA
        Map<String, String> d = OnnxRuntimeFlavour.diagnostics();
        assertTrue(d.get("execution providers (compiled in)").contains("CPU"), d.toString());
        assertTrue(!d.get("execution providers (compiled in)").contains("CUDA"), d.toString());
    }

    @Test
    void aGpuLayoutJarIsTheGpuFlavour(@TempDir Path tmp) throws IOException {
        Path gpu = fakeOrtJar(tmp.resolve("onnxruntime_gpu-9.9.9.jar"), "onnxruntime_gpu", "9.9.9",
                "cuda", "shared", "tensorrt");
        try (URLClassLoader cl = new URLClassLoader(new URL[] {gpu.toUri().toURL()}, null)) {
            OnnxRuntimeFlavour f = OnnxRuntimeFlavour.detect(cl);
            assertEquals("gpu", f.flavour());
            OnnxRuntimeFlavour.Jar jar = f.jars().get(0);
            assertEquals("onnxruntime_gpu", jar.artifact());
            assertEquals("9.9.9", jar.version());
            assertEquals(List.of("cuda", "tensorrt"), jar.providers());
            assertTrue(f.describe().get("flavour").startsWith("gpu"), f.describe().toString());
        }
    }

    @Test
    void bothJarsAreAConflict(@TempDir Path tmp) throws IOException {
        Path cpu = fakeOrtJar(tmp.resolve("onnxruntime.jar"), "onnxruntime", "9.9.9");
        Path gpu = fakeOrtJar(tmp.resolve("onnxruntime_gpu.jar"), "onnxruntime_gpu", "9.9.9", "cuda", "shared");
        try (URLClassLoader cl = new URLClassLoader(new URL[] {cpu.toUri().toURL(), gpu.toUri().toURL()}, null)) {
            OnnxRuntimeFlavour f = OnnxRuntimeFlavour.detect(cl);
            assertEquals("conflict", f.flavour());
            assertTrue(f.describe().get("flavour").contains("exclude com.microsoft.onnxruntime:onnxruntime"),
                    f.describe().toString());
        }
        try (URLClassLoader none = new URLClassLoader(new URL[0], null)) {
            assertEquals("none", OnnxRuntimeFlavour.detect(none).flavour());
        }
    }

    /** A jar with ONNX Runtime's layout: the Java class entry, the Maven descriptor, natives for this platform. */
    private static Path fakeOrtJar(Path file, String artifact, String version, String... providers) throws IOException {
        String plat = OnnxRuntimeFlavour.currentPlatform();
        try (OutputStream os = Files.newOutputStream(file); JarOutputStream jar = new JarOutputStream(os)) {
            put(jar, "ai/onnxruntime/OrtEnvironment.class", new byte[] {(byte) 0xCA, (byte) 0xFE});
            put(jar, "META-INF/maven/com.microsoft.onnxruntime/" + artifact + "/pom.xml", ("<project>\n"
                    + "  <groupId>com.microsoft.onnxruntime</groupId>\n  <artifactId>" + artifact + "</artifactId>\n"
                    + "  <version>" + version + "</version>\n</project>\n").getBytes(StandardCharsets.UTF_8));
            put(jar, "ai/onnxruntime/native/" + plat + "/" + System.mapLibraryName("onnxruntime"), new byte[1]);
            for (String p : providers) {
                put(jar, "ai/onnxruntime/native/" + plat + "/" + System.mapLibraryName("onnxruntime_providers_" + p),
                        new byte[1]);
            }
        }
        return file;
    }

    private static void put(JarOutputStream jar, String name, byte[] data) throws IOException {
        jar.putNextEntry(new JarEntry(name));
        jar.write(data);
        jar.closeEntry();
    }
}
