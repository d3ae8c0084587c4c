package dev.sprint.core.hub;

import static dev.sprint.core.hub.HubFixtures.SANA;
import static dev.sprint.core.hub.HubFixtures.SANA_FILES;
import static dev.sprint.core.hub.HubFixtures.noise;
import static dev.sprint.core.hub.HubFixtures.utf8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelDownloadException.Reason;
import dev.sprint.core.testing.Golden;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** {@link HubDownloader} against {@link LoopbackHub}: protocol, layout, resume, checksums, errors, offline. */
class HubDownloaderTest extends LoopbackHubCase {
    private static final String BIG = "test/big-model";
    private static final int BIG_SIZE = 3 * 1024 * 1024 + 123;

    /** A model repo with one 3 MB LFS weight file, served through the CDN. */
    private LoopbackHub.Repo bigRepo() {
        LoopbackHub.Repo r = hub.repo(BIG).file("config.json", "{\"_class_name\": \"X\"}")
                .file("model.safetensors", noise(BIG_SIZE, 7), true);
        r.commit();
        return r;
    }

    private String bigSha() {
        return hub.repo(BIG).files(hub.repo(BIG).mainCommit()).get("model.safetensors").sha256();
    }

    private List<LoopbackHub.Request> cdnGets() {
        return hub.requests().stream().filter(r -> r.server().equals("cdn") && r.method().equals("GET")).toList();
    }

    private List<LoopbackHub.Request> hubRequests(String method) {
        return hub.requests().stream().filter(r -> r.server().equals("hub") && r.method().equals(method)).toList();
    }

    /** Every path under {@code dir}, relative, '/'-separated; symlinks listed as "path -> target". */
    static Set<String> tree(Path dir) throws Exception {
        Set<String> out = new TreeSet<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.toList()) {
                if (p.equals(dir) || Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
                String rel = dir.relativize(p).toString().replace('\\', '/');
                out.add(Files.isSymbolicLink(p) ? rel + " -> " + Files.readSymbolicLink(p).toString().replace('\\', '/') : rel);
            }
        }
        return out;
    }

    /**
     * The cache exactly as huggingface_hub 0.35 lays out {@code snapshot_download}: blobs named by etag, relative
     * links from snapshots/, refs/&lt;revision&gt; holding the commit without newline, a lock file per blob.
     */
    static void assertPythonLayout(Path root, String repoId, String revision, String commit, List<LoopbackHub.RepoFile> files)
            throws Exception {
        String folder = "models--" + repoId.replace("/", "--");
        Set<String> expected = new TreeSet<>();
        for (LoopbackHub.RepoFile f : files) {
            expected.add(folder + "/blobs/" + f.etag());
            int depth = f.path().split("/").length; // snapshots/<commit>/a/b -> ../../../blobs
            expected.add(folder + "/snapshots/" + commit + "/" + f.path() + " -> " + "../".repeat(depth + 1) + "blobs/" + f.etag());
            expected.add(".locks/" + folder + "/" + f.etag() + ".lock");
        }
        if (!revision.equals(commit)) expected.add(folder + "/refs/" + revision);
        assertEquals(expected, tree(root));
        for (LoopbackHub.RepoFile f : files) {
            assertArrayEquals(f.content(), Files.readAllBytes(root.resolve(folder + "/blobs/" + f.etag())), f.path());
            assertArrayEquals(f.content(), Files.readAllBytes(root.resolve(folder + "/snapshots/" + commit + "/" + f.path())), f.path());
        }
        if (!revision.equals(commit)) assertEquals(commit, Files.readString(root.resolve(folder + "/refs/" + revision)));
    }

    @Test
    void timeoutsMustBePositive() {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), null}) {
            dev.sprint.api.InvalidRequestException e = assertThrows(dev.sprint.api.InvalidRequestException.class,
                    () -> HubDownloader.builder().timeout(bad));
            assertTrue(e.getMessage().startsWith("timeout must be a positive duration"), e.getMessage());
            e = assertThrows(dev.sprint.api.InvalidRequestException.class, () -> HubDownloader.builder().stallTimeout(bad));
            assertTrue(e.getMessage().startsWith("stall timeout must be a positive duration"), e.getMessage());
        }
    }

    @Test
    void downloadsWhatThePipelineNeedsInPythonsLayout() throws Exception {
        LoopbackHub.Repo repo = HubFixtures.publishSana(hub, SANA);
        String commit = repo.mainCommit();
        HubSnapshot s = downloader().token("hf_secret").build().download(SANA);

        assertEquals(commit, s.commit());
        assertEquals(root.resolve("models--Efficient-Large-Model--Sana_Sprint_0.6B_1024px_diffusers/snapshots/" + commit), s.folder());
        assertEquals(new TreeSet<>(SANA_FILES), new TreeSet<>(s.files()));
        List<LoopbackHub.RepoFile> files = SANA_FILES.stream().map(p -> repo.files(commit).get(p)).toList();
        assertPythonLayout(root, SANA, "main", commit, files);
        // the snapshot is the golden folder, byte for byte
        for (String p : SANA_FILES) {
            assertArrayEquals(Files.readAllBytes(Golden.sana().resolve("model").resolve(p)), Files.readAllBytes(s.folder().resolve(p)), p);
        }
        long total = files.stream().mapToLong(f -> f.content().length).sum();
        assertEquals(total, s.downloadedBytes());

        // protocol: one revision call, resolve HEADs by commit, LFS bytes from the CDN without the token
        assertEquals(1, hubRequests("GET").stream().filter(r -> r.target().startsWith("/api/")).count());
        assertEquals("/api/models/" + SANA + "/revision/main", hubRequests("GET").get(0).target());
        assertTrue(hubRequests("HEAD").stream().allMatch(r -> r.target().startsWith("/" + SANA + "/resolve/" + commit + "/")));
        assertTrue(hub.requests().stream().filter(r -> r.server().equals("hub")).allMatch(r -> "Bearer hf_secret".equals(r.header("Authorization"))));
        assertFalse(cdnGets().isEmpty());
        assertTrue(cdnGets().stream().allMatch(r -> r.header("Authorization") == null), "the token must not go to the CDN");
        assertTrue(hub.requests().stream().allMatch(r -> "identity".equals(r.header("Accept-Encoding"))));
        // every LFS file fetched once from the CDN, every git file once from the Hub; nothing else
        long lfs = files.stream().filter(LoopbackHub.RepoFile::lfs).count();
        assertEquals(lfs, cdnGets().size());
        assertEquals(files.size() - lfs, hubRequests("GET").size() - 1);

        // again: everything is cached, one revision call and no file request
        hub.clearRequests();
        HubSnapshot again = downloader().build().download(SANA);
        assertEquals(s.folder(), again.folder());
        assertEquals(0, again.downloadedBytes());
        assertEquals(1, hub.requests().size(), hub.requests().toString());
    }

    @Test
    void progressListenerSeesTotalsFilesAndTheEnd() {
        LoopbackHub.Repo repo = HubFixtures.publishSana(hub, SANA);
        List<DownloadProgress> starts = new CopyOnWriteArrayList<>();
        List<DownloadProgress> done = new CopyOnWriteArrayList<>();
        List<DownloadProgress> progress = new CopyOnWriteArrayList<>();
        List<HubSnapshot> finished = new CopyOnWriteArrayList<>();
        HubSnapshot s = downloader().listener(new DownloadListener() {
            @Override
            public void onStart(DownloadProgress p) {
                starts.add(p);
            }

            @Override
            public void onProgress(DownloadProgress p) {
                progress.add(p);
            }

            @Override
            public void onFileDone(DownloadProgress p) {
                done.add(p);
            }

            @Override
            public void onFinish(HubSnapshot snap) {
                finished.add(snap);
            }
        }).parallelDownloads(1).build().download(SANA);
        long total = SANA_FILES.stream().mapToLong(p -> repo.files(repo.mainCommit()).get(p).content().length).sum();
        assertEquals(1, starts.size());
        assertEquals(total, starts.get(0).totalBytes());
        assertEquals(SANA_FILES.size(), starts.get(0).files());
        assertEquals(repo.mainCommit(), starts.get(0).commit());
        assertNull(starts.get(0).file());
        // nothing was cached: model_index.json, fetched to plan, is reported done right after the start
        assertEquals(0, starts.get(0).bytes());
        assertEquals(0, starts.get(0).filesDone());
        assertEquals(SANA_FILES.size(), done.size());
        assertEquals("model_index.json", done.get(0).file());
        DownloadProgress last = done.get(done.size() - 1);
        assertEquals(total, last.bytes());
        assertEquals(SANA_FILES.size(), last.filesDone());
        assertEquals(1.0, last.fraction());
        for (DownloadProgress p : done) assertEquals(p.fileSize(), p.fileBytes(), p.file());
        for (DownloadProgress p : progress) assertTrue(p.bytes() <= total && p.fileBytes() <= p.fileSize(), p.toString());
        assertEquals(List.of(s), finished);
    }

    @Test
    void aConnectionCutHalfwayIsResumedWithRange() throws Exception {
        LoopbackHub.Repo repo = bigRepo();
        repo.fault("model.safetensors").cutAfter(BIG_SIZE / 2, 2);
        HubSnapshot s = downloader().build().download(BIG);
        List<LoopbackHub.Request> gets = cdnGets();
        assertEquals(3, gets.size(), gets.toString());
        assertNull(gets.get(0).header("Range"));
        assertEquals("bytes=" + (BIG_SIZE / 2) + "-", gets.get(1).header("Range"));
        // the second transfer was cut after BIG_SIZE/2 bytes of the rest, i.e. the whole file minus a few bytes... resumed again
        assertTrue(gets.get(2).header("Range").startsWith("bytes="), gets.get(2).toString());
        assertArrayEquals(repo.files(repo.mainCommit()).get("model.safetensors").content(),
                Files.readAllBytes(s.folder().resolve("model.safetensors")));
        assertEquals(BIG_SIZE + "{\"_class_name\": \"X\"}".length(), s.downloadedBytes());
        assertPythonLayout(root, BIG, "main", repo.mainCommit(), List.copyOf(repo.files(repo.mainCommit()).values()));
    }

    @Test
    void aPartialFromAnEarlierRunIsResumed() throws Exception {
        LoopbackHub.Repo repo = bigRepo();
        byte[] content = repo.files(repo.mainCommit()).get("model.safetensors").content();
        Path part = root.resolve("models--test--big-model/blobs/" + bigSha() + ".incomplete");
        Files.createDirectories(part.getParent());
        int have = 1_500_000;
        Files.write(part, java.util.Arrays.copyOf(content, have));
        HubSnapshot s = downloader().build().download(BIG);
        assertEquals(1, cdnGets().size());
        assertEquals("bytes=" + have + "-", cdnGets().get(0).header("Range"));
        assertEquals(BIG_SIZE - have + "{\"_class_name\": \"X\"}".length(), s.downloadedBytes());
        assertArrayEquals(content, Files.readAllBytes(s.folder().resolve("model.safetensors")));
        assertFalse(Files.exists(part));
    }

    @Test
    void aServerIgnoringRangeRestartsTheFile() throws Exception {
        LoopbackHub.Repo repo = bigRepo();
        repo.fault("model.safetensors").ignoreRange();
        byte[] content = repo.files(repo.mainCommit()).get("model.safetensors").content();
        Path part = root.resolve("models--test--big-model/blobs/" + bigSha() + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.write(part, java.util.Arrays.copyOf(content, 1_000_000));
        HubSnapshot s = downloader().build().download(BIG);
        assertEquals(1, cdnGets().size());
        assertEquals("bytes=1000000-", cdnGets().get(0).header("Range"));
        assertArrayEquals(content, Files.readAllBytes(s.folder().resolve("model.safetensors")));
        assertEquals(BIG_SIZE + "{\"_class_name\": \"X\"}".length(), s.downloadedBytes());
    }

    @Test
    void aCorruptPartialFromAnEarlierRunIsDownloadedAgain() throws Exception {
        LoopbackHub.Repo repo = bigRepo();
        byte[] content = repo.files(repo.mainCommit()).get("model.safetensors").content();
        Path part = root.resolve("models--test--big-model/blobs/" + bigSha() + ".incomplete");
        Files.createDirectories(part.getParent());
        byte[] bad = java.util.Arrays.copyOf(content, 1_000_000);
        bad[10] ^= 0x55;
        Files.write(part, bad);
        HubSnapshot s = downloader().build().download(BIG);
        assertEquals(2, cdnGets().size());
        assertEquals("bytes=1000000-", cdnGets().get(0).header("Range"));
        assertNull(cdnGets().get(1).header("Range"));
        assertArrayEquals(content, Files.readAllBytes(s.folder().resolve("model.safetensors")));
    }

    @Test
    void aStalledTransferIsCutAndResumed() throws Exception {
        LoopbackHub.Repo repo = bigRepo();
        repo.fault("model.safetensors").stallAfter(1_000_000, 6_000, 1);
        HubSnapshot s = downloader().stallTimeout(Duration.ofMillis(1500)).build().download(BIG);
        assertEquals(2, cdnGets().size());
        assertEquals("bytes=1000000-", cdnGets().get(1).header("Range"));
        assertArrayEquals(repo.files(repo.mainCommit()).get("model.safetensors").content(),
                Files.readAllBytes(s.folder().resolve("model.safetensors")));
    }

    @Test
    void aConnectionThatKeepsFailingEndsWithoutASnapshotAndKeepsThePartial() throws Exception {
        LoopbackHub.Repo repo = bigRepo();
        repo.fault("model.safetensors").cutAfter(0, 100); // every transfer cut before its first byte
        HubDownloader d = downloader().retries(2).build();
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> d.download(BIG));
        assertEquals(Reason.NETWORK, e.reason());
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains(BIG), e.getMessage());
        assertEquals(3, cdnGets().size()); // the first try and two retries
        Path repoDir = root.resolve("models--test--big-model");
        assertFalse(Files.exists(repoDir.resolve("snapshots")), "no snapshot after a failed download: " + tree(repoDir));
        assertFalse(Files.exists(repoDir.resolve("refs")), "no ref after a failed download");
        assertFalse(new HfCache(root).find(HfCache.parse(BIG)).isPresent());
        assertTrue(Files.exists(repoDir.resolve("blobs/" + bigSha() + ".incomplete")), "the partial stays for a resume");
        // once the network is back, the partial is resumed
        repo.fault("model.safetensors").cutAfter(-1, 0);
        HubSnapshot s = d.download(BIG);
        assertEquals(s.commit(), repo.mainCommit());
    }

    @Test
    void aWrongChecksumIsAnErrorAndLeavesNothingBehind() throws Exception {
        LoopbackHub.Repo repo = bigRepo();
        repo.fault("model.safetensors").corrupt(true);
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> downloader().build().download(BIG));
        assertEquals(Reason.CHECKSUM_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("model.safetensors") && e.getMessage().contains("sha256")
                && e.getMessage().contains(bigSha()), e.getMessage());
        Path repoDir = root.resolve("models--test--big-model");
        Set<String> left = tree(repoDir);
        assertFalse(left.stream().anyMatch(p -> p.contains(bigSha())), "nothing of the corrupt file stays: " + left);
        assertFalse(Files.exists(repoDir.resolve("snapshots")));
        assertFalse(Files.exists(repoDir.resolve("refs")));

        // a git (non-LFS) file is checked against its blob id
        LoopbackHub.Repo small = hub.repo("test/small").file("config.json", "{\"a\": 1}").file("model.safetensors", noise(100, 1), true);
        small.commit();
        small.fault("config.json").corrupt(true);
        ModelDownloadException g = assertThrows(ModelDownloadException.class, () -> downloader().build().download("test/small"));
        assertEquals(Reason.CHECKSUM_MISMATCH, g.reason());
        assertTrue(g.getMessage().contains("config.json") && g.getMessage().contains("git blob sha1"), g.getMessage());
    }

    @Test
    void gatedRepoNeedsATokenWithAccess() {
        HubFixtures.publishSana(hub, "stabilityai/gated-model").gated("hf_granted");
        ModelDownloadException anon = assertThrows(ModelDownloadException.class,
                () -> downloader().build().download("stabilityai/gated-model"));
        assertEquals(Reason.GATED_REPO, anon.reason());
        assertTrue(anon.getMessage().contains("stabilityai/gated-model") && anon.getMessage().contains("HF_TOKEN")
                && anon.getMessage().contains(hub.endpoint() + "/stabilityai/gated-model"), anon.getMessage());
        ModelDownloadException denied = assertThrows(ModelDownloadException.class,
                () -> downloader().token("hf_other").build().download("stabilityai/gated-model"));
        assertEquals(Reason.GATED_REPO, denied.reason());
        assertTrue(denied.getMessage().contains("403"), denied.getMessage());
        assertFalse(Files.exists(root.resolve("models--stabilityai--gated-model/snapshots")));
        HubSnapshot ok = downloader().token("hf_granted").build().download("stabilityai/gated-model");
        assertEquals(SANA_FILES.size(), ok.files().size());
    }

    @Test
    void missingRepoRevisionAndFileAreNamed() {
        HubFixtures.publishSana(hub, SANA);
        ModelDownloadException repo = assertThrows(ModelDownloadException.class, () -> downloader().build().download("nobody/nothing"));
        assertEquals(Reason.REPO_NOT_FOUND, repo.reason());
        assertTrue(repo.getMessage().contains("nobody/nothing") && repo.getMessage().contains("HF_TOKEN"), repo.getMessage());
        ModelDownloadException withToken = assertThrows(ModelDownloadException.class,
                () -> downloader().token("hf_x").build().download("nobody/nothing"));
        assertEquals(Reason.REPO_NOT_FOUND, withToken.reason());

        ModelDownloadException rev = assertThrows(ModelDownloadException.class, () -> downloader().build().download(SANA + "@v9.9"));
        assertEquals(Reason.REVISION_NOT_FOUND, rev.reason());
        assertTrue(rev.getMessage().contains("'v9.9'") && rev.getMessage().contains(SANA), rev.getMessage());

        ModelDownloadException file = assertThrows(ModelDownloadException.class,
                () -> downloader().build().downloadFile(SANA, "transformer/missing.json"));
        assertEquals(Reason.ENTRY_NOT_FOUND, file.reason());
        assertTrue(file.getMessage().contains("transformer/missing.json") && file.getMessage().contains(SANA), file.getMessage());

        ModelDownloadException none = assertThrows(ModelDownloadException.class,
                () -> downloader().build().download(SANA, List.of("*.gguf")));
        assertEquals(Reason.ENTRY_NOT_FOUND, none.reason());
        assertTrue(none.getMessage().contains("*.gguf"), none.getMessage());
        assertFalse(Files.exists(root.resolve("models--Efficient-Large-Model--Sana_Sprint_0.6B_1024px_diffusers/snapshots")));
    }

    @Test
    void singleFileDownloadIsHfHubDownload() throws Exception {
        LoopbackHub.Repo repo = HubFixtures.publishSana(hub, SANA);
        HubDownloader d = downloader().build();
        Path p = d.downloadFile(SANA, "transformer/config.json");
        String commit = repo.mainCommit();
        assertEquals(root.resolve("models--Efficient-Large-Model--Sana_Sprint_0.6B_1024px_diffusers/snapshots/" + commit
                + "/transformer/config.json"), p);
        assertArrayEquals(Files.readAllBytes(Golden.sana().resolve("model/transformer/config.json")), Files.readAllBytes(p));
        assertPythonLayout(root, SANA, "main", commit, List.of(repo.files(commit).get("transformer/config.json")));
        // with the commit as revision and the file cached: no request at all
        hub.clearRequests();
        assertEquals(p, d.downloadFile(SANA + "@" + commit, "transformer/config.json"));
        assertEquals(0, hub.requests().size());
    }

    @Test
    void tagsAndOlderCommitsGetTheirOwnSnapshotAndRef() throws Exception {
        LoopbackHub.Repo repo = hub.repo("test/tagged").file("config.json", "{\"v\": 1}").file("model.safetensors", noise(1000, 1), true);
        String v1 = repo.commit();
        repo.file("config.json", "{\"v\": 2}");
        String v2 = repo.commit();
        repo.tag("v1.0", v1);
        HubDownloader d = downloader().build();
        HubSnapshot tag = d.download("test/tagged@v1.0");
        assertEquals(v1, tag.commit());
        assertEquals("{\"v\": 1}", Files.readString(tag.folder().resolve("config.json")));
        HubSnapshot main = d.download("test/tagged");
        assertEquals(v2, main.commit());
        HubSnapshot byCommit = d.download("test/tagged@" + v1);
        assertEquals(tag.folder(), byCommit.folder());
        Path repoDir = root.resolve("models--test--tagged");
        assertEquals(v1, Files.readString(repoDir.resolve("refs/v1.0")));
        assertEquals(v2, Files.readString(repoDir.resolve("refs/main")));
        try (Stream<Path> refs = Files.list(repoDir.resolve("refs"))) {
            assertEquals(2, refs.count(), "no ref for a commit revision");
        }
        // the unchanged weights are one blob shared by both snapshots
        try (Stream<Path> blobs = Files.list(repoDir.resolve("blobs"))) {
            assertEquals(3, blobs.count());
        }
    }

    @Test
    void aRenamedRepoIsFollowedAndCachedUnderTheNameAsked() {
        HubFixtures.publishSana(hub, "new-org/sana");
        hub.rename("old-org/sana", "new-org/sana");
        HubSnapshot s = downloader().build().download("old-org/sana");
        assertTrue(s.folder().startsWith(root.resolve("models--old-org--sana")), s.folder().toString());
        assertEquals(SANA_FILES.size(), s.files().size());
    }

    @Test
    void offlineNeverTouchesTheNetwork() {
        HubFixtures.publishSana(hub, SANA);
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> downloader().offline(true).build().download(SANA));
        assertEquals(Reason.OFFLINE, e.reason());
        assertTrue(e.getMessage().contains("HF_HUB_OFFLINE") && e.getMessage().contains(SANA), e.getMessage());
        assertEquals(0, hub.requests().size());
        HubSnapshot online = downloader().build().download(SANA);
        hub.clearRequests();
        HubSnapshot off = downloader().offline(true).build().download(SANA);
        assertEquals(online.folder(), off.folder());
        assertEquals(new TreeSet<>(online.files()), new TreeSet<>(off.files()));
        assertEquals(online.folder().resolve("vae/config.json"),
                downloader().offline(true).build().downloadFile(SANA, "vae/config.json"));
        assertEquals(0, hub.requests().size());
    }

    @Test
    void includePatternsChooseFilesLikeAllowPatterns() {
        HubFixtures.publishSana(hub, SANA);
        HubSnapshot s = downloader().build().download(SANA, List.of("transformer/", "*.md"));
        assertEquals(new TreeSet<>(List.of("README.md", "transformer/config.json", "transformer/diffusion_pytorch_model.bin",
                "transformer/diffusion_pytorch_model.fp16.safetensors", "transformer/diffusion_pytorch_model.safetensors")),
                new TreeSet<>(s.files()));
        HubSnapshot json = downloader().build().download(SANA, List.of("*.json"));
        assertTrue(json.files().contains("vae/config.json") && json.files().contains("model_index.json"), json.files().toString());
        assertTrue(json.files().stream().allMatch(f -> f.endsWith(".json")));
    }

    @Test
    void shardedComponentsComeThroughTheirIndex() {
        String index = "{\"metadata\": {\"total_size\": 300}, \"weight_map\": {\"a.weight\": \"model-00001-of-00002.safetensors\","
                + " \"b.weight\": \"model-00002-of-00002.safetensors\", \"c.weight\": \"model-00001-of-00002.safetensors\"}}";
        LoopbackHub.Repo r = hub.repo("test/sharded")
                .file("model_index.json", "{\"_class_name\": \"SanaSprintPipeline\", \"text_encoder\": [\"transformers\", \"Gemma2Model\"],"
                        + " \"safety_checker\": [null, null], \"requires_safety_checker\": false}")
                .file("text_encoder/config.json", "{}")
                .file("text_encoder/model.safetensors.index.json", index)
                .file("text_encoder/model-00001-of-00002.safetensors", noise(100, 1), true)
                .file("text_encoder/model-00002-of-00002.safetensors", noise(200, 2), true)
                .file("text_encoder/model-00003-of-00003.safetensors", noise(50, 3), true) // a stale shard no index names
                .file("text_encoder/model.fp16.safetensors.index.json", "{\"weight_map\": {}}")
                .file("text_encoder/pytorch_model.bin.index.json", "{\"weight_map\": {}}")
                .file("text_encoder/pytorch_model-00001-of-00001.bin", noise(100, 4), true);
        r.commit();
        HubSnapshot s = downloader().build().download("test/sharded");
        assertEquals(List.of("model_index.json", "text_encoder/config.json", "text_encoder/model.safetensors.index.json",
                "text_encoder/model-00001-of-00002.safetensors", "text_encoder/model-00002-of-00002.safetensors"), s.files());

        hub.repo("test/bad-index").file("config.json", "{}").file("model.safetensors.index.json", index)
                .file("model-00001-of-00002.safetensors", noise(100, 1), true).commit();
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> downloader().build().download("test/bad-index"));
        assertEquals(Reason.UNSUPPORTED_LAYOUT, e.reason());
        assertTrue(e.getMessage().contains("model-00002-of-00002.safetensors") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void adapterAndControlNetReposDownloadTheSameWay() throws Exception {
        hub.repo("yresearch/swd-medium-6-steps").folder(Golden.swd().resolve("model/swd"), "")
                .file("README.md", "# SwD").file("adapter_model.bin", noise(100, 5), true).commit();
        HubSnapshot swd = downloader().build().download("yresearch/swd-medium-6-steps");
        assertEquals(List.of("adapter_config.json", "adapter_model.safetensors"), swd.files());
        assertArrayEquals(Files.readAllBytes(Golden.swd().resolve("model/swd/adapter_model.safetensors")),
                Files.readAllBytes(swd.folder().resolve("adapter_model.safetensors")));

        hub.repo("someone/sana-controlnet").folder(Golden.sana().resolve("model_controlnet/controlnet"), "")
                .file("diffusion_pytorch_model.bin", noise(100, 6), true).file("README.md", "# cn").commit();
        HubSnapshot cn = downloader().build().download("someone/sana-controlnet");
        assertEquals(List.of("config.json", "diffusion_pytorch_model.safetensors"), cn.files());

        // a pipeline repo that declares components it does not ship (the golden ControlNet pipeline) still downloads
        hub.repo("someone/sana-controlnet-pipeline").folder(Golden.sana().resolve("model_controlnet"), "").commit();
        HubSnapshot pipe = downloader().build().download("someone/sana-controlnet-pipeline");
        assertTrue(pipe.files().containsAll(List.of("model_index.json", "controlnet/config.json",
                "controlnet/diffusion_pytorch_model.safetensors", "transformer/diffusion_pytorch_model.safetensors",
                "scheduler/scheduler_config.json")), pipe.files().toString());
        assertFalse(pipe.files().contains("README.txt"), "README.txt is no component file");
        // the components the repo lacks are recorded as huggingface_hub does (.no_exist/<commit>/...), so the
        // snapshot counts as complete and later loads need no request
        Path noExist = root.resolve("models--someone--sana-controlnet-pipeline/.no_exist/" + pipe.commit());
        for (String c : List.of("text_encoder", "tokenizer", "vae")) assertTrue(Files.isRegularFile(noExist.resolve(c)), c);
        assertEquals(List.of(), RepoLayout.missing(pipe.folder()));
        hub.clearRequests();
        assertEquals(pipe.folder(), new ModelLocator(downloader().build()).locate("someone/sana-controlnet-pipeline"));
        assertEquals(0, hub.requests().size());
    }

    @Test
    void pickleOnlyReposAreRefusedWithAHint() {
        hub.repo("old/pickles").file("model_index.json", "{\"_class_name\": \"SanaSprintPipeline\", \"transformer\":"
                + " [\"diffusers\", \"SanaTransformer2DModel\"]}").file("transformer/config.json", "{}")
                .file("transformer/diffusion_pytorch_model.bin", noise(100, 1), true).commit();
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> downloader().build().download("old/pickles"));
        assertEquals(Reason.UNSUPPORTED_LAYOUT, e.reason());
        assertTrue(e.getMessage().contains("transformer/") && e.getMessage().contains("diffusion_pytorch_model.bin")
                && e.getMessage().contains("--include"), e.getMessage());
        assertEquals(0, cdnGets().size(), "nothing large is fetched before the refusal");
    }

    @Test
    void cancellingStopsSoonAndTheNextDownloadResumes() throws Exception {
        LoopbackHub.Repo repo = bigRepo();
        repo.fault("model.safetensors").throttle(16 * 1024, 20); // ~0.8 MB/s: about 4 s for the whole file
        CancellationToken token = new CancellationToken();
        HubDownloader d = downloader().cancellation(token).listener(new DownloadListener() {
            @Override
            public void onProgress(DownloadProgress p) {
                if (p.fileBytes() > 200_000) token.cancel();
            }
        }).build();
        long t0 = System.nanoTime();
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> d.download(BIG));
        assertEquals(Reason.CANCELLED, e.reason());
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "cancelled promptly");
        Path part = root.resolve("models--test--big-model/blobs/" + bigSha() + ".incomplete");
        long kept = Files.size(part);
        assertTrue(kept > 200_000 && kept < BIG_SIZE, "partial kept: " + kept);
        assertFalse(Files.exists(root.resolve("models--test--big-model/snapshots")));

        repo.fault("model.safetensors").throttle(1 << 20, 0);
        hub.clearRequests();
        HubSnapshot s = downloader().build().download(BIG);
        assertEquals("bytes=" + kept + "-", cdnGets().get(0).header("Range"));
        assertArrayEquals(repo.files(repo.mainCommit()).get("model.safetensors").content(),
                Files.readAllBytes(s.folder().resolve("model.safetensors")));
    }

    @Test
    void serverErrorsAreRetriedThenReported() {
        LoopbackHub.Repo repo = bigRepo();
        repo.fault("config.json").failWith(503, 2);
        HubSnapshot s = downloader().build().download(BIG);
        assertEquals(2, s.files().size());
        repo.fault("@api").failWith(500, 10);
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> downloader().retries(2).build().download(BIG));
        assertEquals(Reason.NETWORK, e.reason());
        assertTrue(e.getMessage().contains("500") && e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
    }

    @Test
    void anUnreachableHubIsANetworkError() throws Exception {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        HubDownloader d = HubDownloader.builder(k -> null, tmp).endpoint("http://127.0.0.1:" + port).cacheDir(root)
                .retries(1).retryBackoff(Duration.ofMillis(10)).build();
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> d.download(SANA));
        assertEquals(Reason.NETWORK, e.reason());
        assertTrue(e.getMessage().contains("127.0.0.1:" + port) && e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
    }

    @Test
    void aHugeRepoIsListedThroughTheTree() {
        HubFixtures.publishSana(hub, SANA).omitSiblings();
        HubSnapshot s = downloader().build().download(SANA);
        assertEquals(new TreeSet<>(SANA_FILES), new TreeSet<>(s.files()));
        assertTrue(hubRequests("GET").stream().filter(r -> r.target().contains("/tree/")).count() > 3, "paginated");
    }

    @Test
    void concurrentDownloadsOfOneRepoFetchEachBlobOnce() throws Exception {
        LoopbackHub.Repo repo = bigRepo();
        repo.fault("model.safetensors").throttle(256 * 1024, 5);
        ExecutorService ex = Executors.newFixedThreadPool(3);
        try {
            List<Future<HubSnapshot>> fs = new ArrayList<>();
            for (int i = 0; i < 3; i++) fs.add(ex.submit(() -> downloader().build().download(BIG)));
            Set<Path> folders = new TreeSet<>();
            for (Future<HubSnapshot> f : fs) folders.add(f.get().folder());
            assertEquals(1, folders.size());
        } finally {
            ex.shutdownNow();
        }
        assertEquals(1, cdnGets().size(), "the blob lock makes the others wait and reuse the blob");
        assertPythonLayout(root, BIG, "main", repo.mainCommit(), List.copyOf(repo.files(repo.mainCommit()).values()));
    }

    @Test
    void aPartialPythonSnapshotIsCompletedByTheLocator() throws Exception {
        LoopbackHub.Repo repo = HubFixtures.publishSana(hub, SANA);
        HubDownloader d = downloader().build();
        // what `huggingface-cli download REPO model_index.json` leaves: one file in the snapshot, refs/main
        d.downloadFile(SANA, "model_index.json");
        HfCache cache = new HfCache(root);
        Path snap = cache.resolve(SANA);
        assertFalse(RepoLayout.missing(snap).isEmpty());
        ModelLocator offline = new ModelLocator(downloader().offline(true).build());
        assertEquals(snap, offline.locate(SANA), "offline: the incomplete snapshot is used as it is");

        hub.clearRequests();
        ModelLocator locator = new ModelLocator(d);
        assertEquals(snap, locator.locate(SANA));
        assertTrue(RepoLayout.missing(snap).isEmpty(), RepoLayout.missing(snap).toString());
        assertFalse(hub.requests().stream().anyMatch(r -> r.target().endsWith("/model_index.json") && r.method().equals("GET")),
                "the cached file is reused");
        // complete now: no request at all
        hub.clearRequests();
        assertEquals(snap, locator.locate(SANA));
        assertEquals(0, hub.requests().size());
        // a blob removed behind our back makes the snapshot incomplete again: only that file comes back
        String etag = repo.files(repo.mainCommit()).get("vae/config.json").etag();
        Files.delete(root.resolve("models--Efficient-Large-Model--Sana_Sprint_0.6B_1024px_diffusers/blobs/" + etag));
        assertEquals(snap, locator.locate(SANA));
        assertEquals(List.of("/" + SANA + "/resolve/" + repo.mainCommit() + "/vae/config.json"),
                hub.requests().stream().filter(r -> r.method().equals("GET") && !r.target().startsWith("/api/"))
                        .map(LoopbackHub.Request::target).toList());
        assertTrue(Files.isRegularFile(snap.resolve("vae/config.json")));
    }

    @Test
    void locatorDownloadsOnFirstUseAndNamesWhatIsMissingOffline() {
        HubFixtures.publishSana(hub, SANA);
        ModelLocator offline = new ModelLocator(downloader().offline(true).build());
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> offline.locate(SANA));
        assertEquals(Reason.OFFLINE, e.reason());
        assertTrue(e.getMessage().contains("./sprint download " + SANA) && e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
        Path p = new ModelLocator(downloader().build()).locate(SANA);
        assertEquals(new TreeSet<>(SANA_FILES), listFiles(p));
        assertEquals(p, offline.locate(SANA));
    }

    private static Set<String> listFiles(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).map(x -> dir.relativize(x).toString().replace('\\', '/'))
                    .collect(Collectors.toCollection(TreeSet::new));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void environmentIsReadLikeHuggingfaceHub() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve(".cache/huggingface"));
        Files.writeString(home.resolve(".cache/huggingface/token"), "hf_from_file\n");
        HubDownloader d = HubDownloader.builder(k -> null, home).build();
        assertEquals("https://huggingface.co", d.endpoint().toString());
        assertFalse(d.offline());
        assertEquals(home.resolve(".cache/huggingface/hub"), d.cache().root());
        assertEquals("hf_from_file", tokenOf(HubDownloader.builder(k -> null, home)));
        assertEquals("hf_env", tokenOf(HubDownloader.builder(Map.of("HF_TOKEN", " hf_env ", "HUGGING_FACE_HUB_TOKEN", "x")::get, home)));
        assertEquals("hf_old", tokenOf(HubDownloader.builder(Map.of("HUGGING_FACE_HUB_TOKEN", "hf_old")::get, home)));
        assertEquals("hf_from_file", tokenOf(HubDownloader.builder(Map.of("HF_TOKEN", "  ")::get, home)), "a blank token counts as unset");
        assertNull(tokenOf(HubDownloader.builder(Map.of("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1", "HF_TOKEN", "hf_env")::get, home)));
        Path hfHome = Files.createDirectories(tmp.resolve("hfhome"));
        Files.writeString(hfHome.resolve("token"), "hf_home_token");
        assertEquals("hf_home_token", tokenOf(HubDownloader.builder(Map.of("HF_HOME", hfHome.toString())::get, home)));
        assertEquals(hfHome.resolve("hub"), HubDownloader.builder(Map.of("HF_HOME", hfHome.toString())::get, home).build().cache().root());
        assertEquals("http://mirror.local:8080", HubDownloader.builder(Map.of("HF_ENDPOINT", "http://mirror.local:8080/")::get, home)
                .build().endpoint().toString());
        for (String on : List.of("1", "true", "YES", "On")) {
            assertTrue(HubDownloader.builder(Map.of("HF_HUB_OFFLINE", on)::get, home).build().offline(), on);
        }
        assertTrue(HubDownloader.builder(Map.of("TRANSFORMERS_OFFLINE", "1")::get, home).build().offline());
        assertFalse(HubDownloader.builder(Map.of("HF_HUB_OFFLINE", "0", "TRANSFORMERS_OFFLINE", "1")::get, home).build().offline(),
                "HF_HUB_OFFLINE, when set, decides (huggingface_hub reads it first)");
        assertThrows(ModelDownloadException.class, () -> HubDownloader.builder(Map.of("HF_ENDPOINT", "huggingface.co")::get, home));
    }

    /** The token a builder would send, observed on the loopback Hub. */
    private String tokenOf(HubDownloader.Builder b) {
        HubFixtures.publishSana(hub, SANA);
        hub.clearRequests();
        b.endpoint(hub.endpoint()).allowInsecureToken(true).cacheDir(tmp.resolve("token-probe")).build()
                .downloadFile(SANA, "model_index.json");
        String a = hub.requests().get(0).header("Authorization");
        return a == null ? null : a.substring("Bearer ".length());
    }

    @Test
    void unsafeFileNamesFromTheServerAreRefused() {
        hub.repo("evil/repo").file("config.json", "{}").file("../../../escape.safetensors", utf8("x"), false).commit();
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> downloader().build().download("evil/repo", List.of("*")));
        assertEquals(Reason.PROTOCOL, e.reason());
        assertFalse(Files.exists(tmp.resolve("escape.safetensors")));
    }
}
