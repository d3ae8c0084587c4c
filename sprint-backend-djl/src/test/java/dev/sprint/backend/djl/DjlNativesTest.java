package dev.sprint.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.net.URL;
import java.util.Collections;
import java.util.Enumeration;
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
        // the build put this platform's CPU jar on the class path (sprint-backend-djl's platform profiles)
        assertEquals(List.of(DjlNatives.currentClassifier()), n.nativeClassifiers());
        assertTrue(n.libtorchForThisPlatform());
        assertNull(n.missingLibtorch());
        Map<String, String> d = n.describe();
        assertEquals("present", d.get("libtorch for " + n.classifier()), d.toString());
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

    @Test
    void aJarForAnotherPlatformIsNamedWithTheOneToAdd(@TempDir Path dir) throws IOException {
        String here = DjlNatives.currentClassifier();
        String other = here.equals("osx-aarch64") ? "win-x86_64" : "osx-aarch64";
        Path props = dir.resolve("pytorch.properties");
        Files.writeString(props, "version=2.7.1-20250812\nflavor=cpu\nclassifier=" + other + "\n");
        ClassLoader otherPlatform = new ClassLoader(CL) { // the class path as if Maven had built for another platform
            @Override
            public Enumeration<URL> getResources(String name) throws IOException {
                return name.equals("native/lib/pytorch.properties")
                        ? Collections.enumeration(List.of(props.toUri().toURL())) : super.getResources(name);
            }
        };
        DjlNatives n = DjlNatives.detect(otherPlatform, dir.resolve("cache"), true, null);
        assertEquals(List.of(other), n.nativeClassifiers());
        assertFalse(n.libtorchForThisPlatform());
        String missing = n.describe().get("libtorch for " + here);
        assertTrue(missing.startsWith("MISSING: the libtorch natives on the class path are for [" + other + "], not " + here),
                missing);
        if (DjlNatives.CPU_PLATFORMS.contains(here)) {
            assertTrue(missing.contains("add ai.djl.pytorch:pytorch-native-cpu:2.7.1:" + here), missing);
            assertTrue(missing.contains("-Dsprint.platform=" + here), missing);
        }
        // DJL's cache holding this platform's build (DJL extracts class-path jars there) is enough
        Files.createDirectories(dir.resolve("cache/pytorch/2.7.1-20250812-cpu-" + here));
        assertTrue(DjlNatives.detect(otherPlatform, dir.resolve("cache"), true, null).libtorchForThisPlatform());
    }

    @Test
    void diagnosticsNameWhatEachPlatformNeeds(@TempDir Path cache) {
        for (String platform : List.of("linux-x86_64", "linux-aarch64", "osx-aarch64", "win-x86_64")) {
            DjlNatives none = new DjlNatives("2.7.1", "0.36.0", List.of(), List.of(), List.of(), List.of(), List.of(),
                    cache, platform, true, null);
            String d = none.describe().get("libtorch for " + platform);
            assertTrue(d.startsWith("MISSING: no libtorch natives on the class path"), d);
            assertTrue(d.contains("add ai.djl.pytorch:pytorch-native-cpu:2.7.1:" + platform
                    + " (sprint-backend-djl's pom adds it when Maven builds on " + platform), d);
        }
        // Intel Macs: PyTorch stopped publishing them, so there is no jar to name
        DjlNatives intelMac = new DjlNatives("2.7.1", "0.36.0", List.of(), List.of(), List.of(), List.of(), List.of(),
                cache, "osx-x86_64", true, null);
        String d = intelMac.describe().get("libtorch for osx-x86_64");
        assertTrue(d.contains("Maven Central has no libtorch 2.7.1 CPU build for osx-x86_64"), d);
        assertFalse(d.contains("pytorch-native-cpu:2.7.1:osx-x86_64"), d);
        assertEquals("present", new DjlNatives("2.7.1", "0.36.0", List.of(), List.of(), List.of(), List.of(), List.of(),
                cache, "osx-x86_64", true, "/opt/libtorch/lib").describe().get("libtorch for osx-x86_64"));
    }
}
