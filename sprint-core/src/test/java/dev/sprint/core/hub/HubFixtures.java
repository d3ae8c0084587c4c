package dev.sprint.core.hub;

import dev.sprint.core.testing.Golden;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;

/** Repos for {@link LoopbackHub} built from the vendored goldens, plus a downloader pointed at a loopback Hub. */
public final class HubFixtures {
    /** The repo id the golden tiny SANA-Sprint pipeline is published under. */
    public static final String SANA = "Efficient-Large-Model/Sana_Sprint_0.6B_1024px_diffusers";

    /** What a Sprint download of {@link #SANA} must fetch: the golden folder, nothing else. */
    public static final List<String> SANA_FILES = List.of("model_index.json", "scheduler/scheduler_config.json",
            "text_encoder/config.json", "text_encoder/model.safetensors", "tokenizer/special_tokens_map.json",
            "tokenizer/tokenizer.json", "tokenizer/tokenizer_config.json", "transformer/config.json",
            "transformer/diffusion_pytorch_model.safetensors", "vae/config.json", "vae/diffusion_pytorch_model.safetensors");

    private HubFixtures() {}

    /**
     * Publishes golden/sana-sprint/model as {@code id}, with what real repos also hold and Sprint must not
     * fetch: README, .gitattributes, a .bin duplicate, an fp16 variant, an ONNX export, a root single-file checkpoint.
     */
    public static LoopbackHub.Repo publishSana(LoopbackHub hub, String id) {
        LoopbackHub.Repo r = hub.repo(id).folder(Golden.sana().resolve("model"), "");
        r.file(".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n*.bin filter=lfs diff=lfs merge=lfs -text\n");
        r.file("README.md", "---\nlicense: other\n---\n# tiny\n");
        r.file("transformer/diffusion_pytorch_model.bin", noise(5000, 1), true);
        r.file("transformer/diffusion_pytorch_model.fp16.safetensors", noise(3000, 2), true);
        r.file("vae/diffusion_pytorch_model.onnx", noise(2000, 3), true);
        r.file("sana_sprint_tiny.safetensors", noise(4000, 4), true);
        r.commit();
        return r;
    }

    /** Deterministic pseudo-random bytes. */
    public static byte[] noise(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The Hugging Face cache of the test JVM's environment, where {@code Pipeline.builder().model(repoId)} looks,
     * with the given repos removed from it. The build points HF_HUB_CACHE into target/ and sets HF_HUB_OFFLINE=1 for
     * tests (root pom, surefire); this fails, rather than touch a real cache, when that is not so.
     */
    public static HfCache environmentCache(String... repoIds) {
        if (!"1".equals(System.getenv("HF_HUB_OFFLINE")) || System.getenv("HF_HUB_CACHE") == null) {
            throw new AssertionError("tests need HF_HUB_OFFLINE=1 and HF_HUB_CACHE set by the build (root pom, surefire"
                    + " environmentVariables); run them through Maven");
        }
        HfCache cache = HfCache.fromEnvironment();
        Path root = cache.root().toAbsolutePath().normalize();
        if (!root.toString().replace('\\', '/').contains("/target/")) {
            throw new AssertionError("HF_HUB_CACHE=" + root + " is not a build folder; refusing to delete repos from it");
        }
        for (String id : repoIds) {
            HfCache.RepoRef ref = HfCache.parse(id);
            deleteTree(cache.repoFolder(ref));
            deleteTree(cache.locksFolder(ref));
        }
        return cache;
    }

    /** Downloads a repo from the loopback Hub into the environment's cache (online, whatever HF_HUB_OFFLINE says). */
    public static HubSnapshot downloadIntoEnvironmentCache(LoopbackHub hub, String repoId) {
        return HubDownloader.builder().endpoint(hub.endpoint()).offline(false).retryBackoff(Duration.ofMillis(10)).build()
                .download(repoId);
    }

    static void deleteTree(Path p) {
        if (!java.nio.file.Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) return;
        try (java.util.stream.Stream<Path> s = java.nio.file.Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.delete(x);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * A downloader for the loopback Hub and a cache at {@code cacheRoot}: no implicit token, quick retries; a token
     * given to it may go over the loopback Hub's plain http ({@link HubDownloader.Builder#allowInsecureToken}).
     */
    public static HubDownloader.Builder downloader(LoopbackHub hub, Path cacheRoot) {
        return HubDownloader.builder(k -> null, cacheRoot.resolveSibling("home"))
                .endpoint(hub.endpoint())
                .allowInsecureToken(true)
                .cacheDir(cacheRoot)
                .retryBackoff(Duration.ofMillis(10))
                .timeout(Duration.ofSeconds(5))
                .stallTimeout(Duration.ofSeconds(5));
    }
}
