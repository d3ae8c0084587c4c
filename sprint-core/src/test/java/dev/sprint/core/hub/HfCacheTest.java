package dev.sprint.core.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfCacheTest {
    private static final String REPO = "Efficient-Large-Model/Sana_Sprint_0.6B_1024px_diffusers";
    private static final String MAIN = "0123456789abcdef0123456789abcdef01234567";
    private static final String OTHER = "fedcba9876543210fedcba9876543210fedcba98";

    @TempDir
    Path tmp;

    /** A cache laid out like huggingface_hub's: files in blobs/, symlinked from snapshots/&lt;commit&gt;/. */
    private Path fakeCache() throws Exception {
        Path root = tmp.resolve("hub");
        Path repo = root.resolve("models--Efficient-Large-Model--Sana_Sprint_0.6B_1024px_diffusers");
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), MAIN); // no trailing newline, as written by the hub
        Files.writeString(repo.resolve("refs/v1.0"), OTHER + "\n");
        Path blob = Files.createDirectories(repo.resolve("blobs")).resolve("aa11");
        Files.writeString(blob, "{\"_class_name\": \"SanaSprintPipeline\"}");
        for (String c : new String[] {MAIN, OTHER}) {
            Path snap = Files.createDirectories(repo.resolve("snapshots").resolve(c));
            Files.createSymbolicLink(snap.resolve("model_index.json"), Path.of("../../blobs/aa11"));
            Files.createDirectories(snap.resolve("transformer"));
        }
        return root;
    }

    @Test
    void rootFollowsTheHubsEnvironmentRules() {
        Path home = Path.of("/home/u");
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), HfCache.defaultRoot(k -> null, home));
        assertEquals(Path.of("/x/hub"), HfCache.defaultRoot(Map.of("HF_HOME", "/x")::get, home));
        assertEquals(Path.of("/c"), HfCache.defaultRoot(Map.of("HF_HOME", "/x", "HF_HUB_CACHE", "/c")::get, home));
        assertEquals(Path.of("/legacy"), HfCache.defaultRoot(Map.of("HF_HOME", "/x", "HUGGINGFACE_HUB_CACHE", "/legacy")::get, home));
        assertEquals(Path.of("/xdg/huggingface/hub"), HfCache.defaultRoot(Map.of("XDG_CACHE_HOME", "/xdg")::get, home));
        assertEquals(Path.of("/home/u/hf/hub"), HfCache.defaultRoot(Map.of("HF_HOME", "~/hf")::get, home));
        assertEquals(Path.of("/home/u/.cache/huggingface/hub"), HfCache.defaultRoot(Map.of("HF_HUB_CACHE", "")::get, home),
                "an empty variable counts as unset");
    }

    @Test
    void resolvesMainRefTagAndCommit() throws Exception {
        HfCache cache = new HfCache(fakeCache());
        Path snap = cache.resolve(REPO);
        assertTrue(snap.endsWith(Path.of("snapshots", MAIN)), snap.toString());
        assertTrue(Files.readString(snap.resolve("model_index.json")).contains("SanaSprintPipeline"), "symlinked file readable");
        assertTrue(cache.resolve(REPO + "@v1.0").endsWith(Path.of("snapshots", OTHER)));
        assertTrue(cache.resolve(REPO + "@" + OTHER).endsWith(Path.of("snapshots", OTHER)));
    }

    @Test
    void missingModelSaysWhereItLookedAndHowToDownload() throws Exception {
        HfCache cache = new HfCache(fakeCache());
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> cache.resolve("someone/other-model"));
        String m = e.getMessage();
        assertTrue(m.contains(cache.root().toString()), m);
        assertTrue(m.contains("models--someone--other-model"), m);
        assertTrue(m.contains("./sprint download someone/other-model"), m);
        assertTrue(m.contains("huggingface-cli download someone/other-model"), m);
        ModelLoadException rev = assertThrows(ModelLoadException.class, () -> cache.resolve(REPO + "@nope"));
        assertTrue(rev.getMessage().contains("refs/nope") && rev.getMessage().contains("--revision nope"), rev.getMessage());
    }

    @Test
    void danglingRefOrBadRefFile() throws Exception {
        Path root = fakeCache();
        Path repo = root.resolve("models--Efficient-Large-Model--Sana_Sprint_0.6B_1024px_diffusers");
        Files.writeString(repo.resolve("refs/main"), "1111111111111111111111111111111111111111");
        HfCache cache = new HfCache(root);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> cache.resolve(REPO));
        assertTrue(e.getMessage().contains("1111111111111111111111111111111111111111"), e.getMessage());
        Files.writeString(repo.resolve("refs/main"), "../../../etc");
        ModelLoadException bad = assertThrows(ModelLoadException.class, () -> cache.resolve(REPO));
        assertTrue(bad.getMessage().contains("commit hash"), bad.getMessage());
    }

    @Test
    void repoIdsAreValidated() {
        assertEquals(new HfCache.RepoRef("org/name", "main"), HfCache.parse("org/name"));
        assertEquals(new HfCache.RepoRef("gpt2", "main"), HfCache.parse("gpt2"));
        assertEquals(new HfCache.RepoRef("org/name", "refs/pr/1"), HfCache.parse("org/name@refs/pr/1"));
        assertEquals("models--org--name", HfCache.parse("org/name").folderName());
        for (String bad : new String[] {"../etc", "a/b/c", "org/../x", "org/na--me", "/abs", "org/name@../../x", "org/name@",
                "org/", "", "org name/x"}) {
            assertFalse(HfCache.looksLikeRepoId(bad), bad);
            assertThrows(ModelLoadException.class, () -> HfCache.parse(bad), bad);
        }
    }

    @Test
    void locatorPrefersAnExistingDirectory() throws Exception {
        Path root = fakeCache();
        ModelLocator locator = new ModelLocator(new HfCache(root));
        // a local folder named like a repo id wins over the cache
        Path local = Files.createDirectories(tmp.resolve("org/name"));
        assertEquals(local, locator.locate(local.toString()));
        assertTrue(locator.locate(REPO).endsWith(Path.of("snapshots", MAIN)));
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> locator.locate(tmp.resolve("missing").toString()));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("does not exist"), e.getMessage());
        ModelLoadException notCached = assertThrows(ModelLoadException.class, () -> locator.locate("org/absent"));
        assertTrue(notCached.getMessage().contains("huggingface-cli download org/absent"), notCached.getMessage());
        Path file = Files.writeString(tmp.resolve("file.txt"), "x");
        assertThrows(ModelLoadException.class, () -> locator.locate(file.toString()));
        assertThrows(ModelLoadException.class, () -> locator.locate(" "));
    }
}
