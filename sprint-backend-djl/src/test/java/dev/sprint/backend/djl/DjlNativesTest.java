package dev.sprint.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What is reported about libtorch natives: the build's own class path (CPU jar from Maven Central) and caches. */
class DjlNativesTest {
    private static final ClassLoader CL = DjlNativesTest.class.getClassLoader();

    @Test
    void cpuJarOnTheClassPathAndHowToGetCuda(@TempDir Path cache) {
        DjlNatives n = DjlNatives.detect(CL, cache, true, null);
        assertEquals("2.7.1", n.libtorchVersion());
        assertEquals(List.of("cpu"), n.nativeFlavors());
        assertTrue(n.nativeJars().get(0).startsWith("cpu 2.7.1"), n.nativeJars().toString());
        if (DjlNatives.currentClassifier().equals("linux-x86_64")) {
            assertTrue(n.jniBridges().containsAll(List.of("cpu", "cu128")), n.jniBridges().toString());
        }
        assertFalse(n.cudaLibtorchPresent());
        Map<String, String> d = n.describe();
        if (n.jniBridges().contains("cu128")) {
            String advice = d.get("CUDA libtorch");
            assertTrue(advice.contains("exclude ai.djl.pytorch:pytorch-native-cpu"), advice);
            assertTrue(advice.contains(cache.resolve("pytorch").resolve("2.7.1-cu128-" + n.classifier()).toString()), advice);
        }
        assertTrue(d.get("downloads").startsWith("off"), d.toString());
        assertTrue(DjlNatives.detect(CL, cache, false, null).describe().get("downloads")
                .contains("https://publish.djl.ai/pytorch/2.7.1/"));
    }

    @Test
    void aCudaBuildInTheCacheIsFoundButTheCpuJarWins(@TempDir Path cache) throws IOException {
        Files.createDirectories(cache.resolve("pytorch/2.7.1-cu128-" + DjlNatives.currentClassifier()));
        Files.createDirectories(cache.resolve("pytorch/tmp12345"));
        DjlNatives n = DjlNatives.detect(CL, cache, true, null);
        assertEquals(List.of("2.7.1-cu128-" + DjlNatives.currentClassifier()), n.cached());
        assertTrue(n.cudaLibtorchPresent());
        String cuda = n.describe().get("CUDA libtorch");
        assertTrue(cuda.startsWith("present") && cuda.contains("exclude ai.djl.pytorch:pytorch-native-cpu"), cuda);
        // an installed libtorch given by PYTORCH_LIBRARY_PATH is taken before any jar
        DjlNatives installed = DjlNatives.detect(CL, cache, true, "/opt/torch/lib");
        assertEquals("present", installed.describe().get("CUDA libtorch"));
    }
}
