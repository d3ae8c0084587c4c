package dev.sprint.core.hub;

import static dev.sprint.core.hub.HubFixtures.SANA;
import static dev.sprint.core.hub.HubFixtures.noise;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelDownloadException.Reason;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@link HubDownloader} against a hostile Hub, network or cache (issue 21, items 9-12): where the token goes, how
 * much a server can make us read or write, and which names and files the cache accepts.
 */
class HubSecurityTest extends LoopbackHubCase {
    private static final String TOKEN = "hf_secret";
    /** What socket buffers and the client's read-ahead may let through after the client stops reading. */
    private static final long SLACK = 64L << 20;

    private List<LoopbackHub.Request> on(String server) {
        return hub.requests().stream().filter(r -> r.server().equals(server)).toList();
    }

    private LoopbackHub.Repo weights(String id, int size) {
        LoopbackHub.Repo r = hub.repo(id).file("config.json", "{\"_class_name\": \"X\"}")
                .file("model.safetensors", noise(size, 7), true);
        r.commit();
        return r;
    }

    private static List<String> list(Path dir) throws Exception {
        if (!Files.exists(dir)) return List.of();
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    // ---- item 9: the token stays on the endpoint's host ------------------------------------------------------

    @Test
    void aTreePageLinkedOnAnotherHostIsNotFollowedAndNeverSeesTheToken() {
        HubFixtures.publishSana(hub, SANA).omitSiblings(); // the listing goes through the paginated tree
        hub.linkTreePagesTo(hub.cdnEndpoint()); // another host (another port: another origin) that records headers
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> downloader().token(TOKEN).build().download(SANA));
        assertEquals(Reason.PROTOCOL, e.reason());
        assertTrue(e.getMessage().contains(hub.cdnEndpoint()) && e.getMessage().contains("not the Hub endpoint"), e.getMessage());
        assertEquals(List.of(), on("cdn"), "nothing, let alone the token, goes to the linked host");
        assertTrue(on("hub").stream().anyMatch(r -> r.target().contains("/tree/")), "the first page came from the Hub");
        assertTrue(on("hub").stream().allMatch(r -> ("Bearer " + TOKEN).equals(r.header("Authorization"))));
    }

    @Test
    void anApiRedirectToAnotherHostGetsNoToken() {
        HubFixtures.publishSana(hub, SANA);
        hub.redirectApiTo(hub.cdnEndpoint());
        HubSnapshot s = downloader().token(TOKEN).build().download(SANA);
        assertEquals(HubFixtures.SANA_FILES.size(), s.files().size());
        List<LoopbackHub.Request> api = on("cdn").stream().filter(r -> r.target().startsWith("/api/")).toList();
        assertFalse(api.isEmpty(), "the revision was read from the other host");
        assertTrue(on("cdn").stream().allMatch(r -> r.header("Authorization") == null), on("cdn").toString());
        // back on the endpoint (file metadata), the token is sent again: it is decided per request
        assertTrue(on("hub").stream().filter(r -> r.method().equals("HEAD"))
                .allMatch(r -> ("Bearer " + TOKEN).equals(r.header("Authorization"))));
    }

    // ---- item 11: the token only over https; https never goes back to http ---------------------------------

    @Test
    void aTokenIsNotSentToAnHttpEndpointUnlessAllowed() {
        HubFixtures.publishSana(hub, SANA);
        Path home = tmp.resolve("home");
        HubDownloader strict = HubDownloader.builder(k -> null, home).endpoint(hub.endpoint()).cacheDir(root).token(TOKEN).build();
        ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> strict.download(SANA));
        assertEquals(Reason.PROTOCOL, e.reason());
        assertTrue(e.getMessage().contains(HubDownloader.ALLOW_INSECURE_TOKEN) && e.getMessage().contains("https")
                && !e.getMessage().contains(TOKEN), e.getMessage());
        assertEquals(List.of(), hub.requests(), "refused before anything was sent");

        // without a token, http is fine (a public repo on a mirror)
        HubDownloader.builder(k -> null, home).endpoint(hub.endpoint()).cacheDir(root).build().downloadFile(SANA, "model_index.json");
        assertTrue(hub.requests().stream().allMatch(r -> r.header("Authorization") == null));

        // the opt-in, from the environment as a user sets it
        hub.clearRequests();
        HubDownloader.builder(Map.of(HubDownloader.ALLOW_INSECURE_TOKEN, "1", "HF_TOKEN", TOKEN)::get, home)
                .endpoint(hub.endpoint()).cacheDir(tmp.resolve("other-cache")).build().downloadFile(SANA, "model_index.json");
        assertFalse(hub.requests().isEmpty());
        assertTrue(hub.requests().stream().allMatch(r -> ("Bearer " + TOKEN).equals(r.header("Authorization"))));
    }

    @Test
    void httpsNeverRedirectsToHttp() throws Exception {
        TestTls tls = TestTls.create(tmp);
        try (LoopbackHub secure = LoopbackHub.startTls(tls)) {
            assertTrue(secure.endpoint().startsWith("https://127.0.0.1:"), secure.endpoint());
            // control: over https the token needs no opt-in, and git files (served by the Hub itself) arrive
            secure.repo("test/git-only").file("config.json", "{\"_class_name\": \"X\"}").file("model.safetensors", noise(3000, 1), false)
                    .commit();
            HubDownloader d = HubDownloader.builder(k -> null, tmp.resolve("home")).endpoint(secure.endpoint()).cacheDir(root)
                    .httpClient(tls.client()).token(TOKEN).retries(0).build();
            HubSnapshot ok = d.download("test/git-only", List.of("*"));
            assertEquals(2, ok.files().size());
            assertTrue(secure.requests().stream().allMatch(r -> ("Bearer " + TOKEN).equals(r.header("Authorization"))));

            // an LFS file whose CDN location is http: refused at the metadata, before any byte is asked for
            secure.repo("test/lfs").file("config.json", "{}").file("model.safetensors", noise(3000, 2), true).commit();
            ModelDownloadException e = assertThrows(ModelDownloadException.class, () -> d.download("test/lfs", List.of("*")));
            assertEquals(Reason.PROTOCOL, e.reason());
            assertTrue(e.getMessage().contains("refusing to leave https"), e.getMessage());
            assertTrue(secure.requests().stream().noneMatch(r -> r.server().equals("cdn")), secure.requests().toString());

            // an API answer redirected to http
            secure.redirectApiTo(secure.cdnEndpoint());
            ModelDownloadException api = assertThrows(ModelDownloadException.class, () -> d.download("test/git-only", List.of("*")));
            assertEquals(Reason.PROTOCOL, api.reason());
            assertTrue(api.getMessage().contains("refusing to leave https"), api.getMessage());
            assertTrue(secure.requests().stream().noneMatch(r -> r.server().equals("cdn")), secure.requests().toString());
        }
    }

    // ---- item 10: every body bounded --------------------------------------------------------------------------

    @Test
    void anEndlessBlobStopsAtItsDeclaredSizeAndLeavesNothing() throws Exception {
        int size = 1 << 20;
        LoopbackHub.Repo repo = weights("test/endless", size);
        LoopbackHub.Fault f = repo.fault("model.safetensors").endless();
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> downloader().build().download("test/endless"));
        assertEquals(Reason.CHECKSUM_MISMATCH, e.reason());
        assertTrue(e.getMessage().contains("more than the " + size + " bytes announced"), e.getMessage());
        Path blobs = root.resolve("models--test--endless/blobs");
        String sha = repo.files(repo.mainCommit()).get("model.safetensors").sha256();
        assertTrue(list(blobs).stream().noneMatch(n -> n.startsWith(sha)), "no blob and no partial: " + list(blobs));
        assertFalse(Files.exists(root.resolve("models--test--endless/snapshots")));
        assertTrue(f.sent() < size + SLACK, "the server got to send " + f.sent() + " bytes");
        assertEquals(1, on("cdn").size(), "a server that sends too much is not asked again");
    }

    @Test
    void aTwoGigabyteErrorBodyIsNeverRead() {
        long twoGb = 2L << 30;
        LoopbackHub.Repo repo = weights("test/huge-error", 5000);
        // an API error
        LoopbackHub.Fault api = repo.fault("@api").failWith(404, 1).errorBody(twoGb);
        long t0 = System.nanoTime();
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> downloader().build().download("test/huge-error"));
        assertEquals(Reason.REPO_NOT_FOUND, e.reason());
        assertTrue(api.sent() < SLACK, "the server got to send " + api.sent() + " bytes");
        // a file transfer's error (the CDN refusing the object, twice: once more after a fresh location)
        LoopbackHub.Fault cdn = repo.fault("model.safetensors").cdnFailWith(404, 2).errorBody(twoGb);
        ModelDownloadException g = assertThrows(ModelDownloadException.class,
                () -> downloader().build().download("test/huge-error"));
        assertEquals(Reason.ENTRY_NOT_FOUND, g.reason());
        assertTrue(g.getMessage().contains("model.safetensors"), g.getMessage());
        assertFalse(g.getMessage().contains("Signature"), "a signed CDN URL is shown without its query: " + g.getMessage());
        assertTrue(cdn.sent() < SLACK, "the server got to send " + cdn.sent() + " bytes");
        assertTrue((System.nanoTime() - t0) / 1e9 < 30, "both ended promptly");
    }

    @Test
    void anEndlessApiAnswerIsCutAtTheJsonLimit() {
        LoopbackHub.Repo repo = weights("test/endless-api", 5000);
        LoopbackHub.Fault f = repo.fault("@api").endless();
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> downloader().build().download("test/endless-api"));
        assertEquals(Reason.PROTOCOL, e.reason());
        assertTrue(e.getMessage().contains("more than " + BoundedBody.MAX_JSON_BYTES + " bytes"), e.getMessage());
        assertTrue(f.sent() < BoundedBody.MAX_JSON_BYTES + SLACK, "the server got to send " + f.sent() + " bytes");
    }

    @Test
    void aHugePlanningFileIsNeitherFetchedNorRead() {
        byte[] index = new byte[BoundedBody.MAX_JSON_BYTES + 1];
        java.util.Arrays.fill(index, (byte) ' ');
        hub.repo("test/huge-index").file("model_index.json", index, true).commit();
        ModelDownloadException e = assertThrows(ModelDownloadException.class,
                () -> downloader().build().download("test/huge-index"));
        assertEquals(Reason.PROTOCOL, e.reason());
        assertTrue(e.getMessage().contains("model_index.json") && e.getMessage().contains(String.valueOf(index.length)),
                e.getMessage());
        assertEquals(List.of(), on("cdn"), "refused from its announced size");
    }

    // ---- item 12: the cache -----------------------------------------------------------------------------------

    @Test
    void aSymlinkedPartialIsNotFollowed() throws Exception {
        LoopbackHub.Repo repo = weights("test/linked", 200_000);
        String sha = repo.files(repo.mainCommit()).get("model.safetensors").sha256();
        Path victim = Files.writeString(tmp.resolve("victim.txt"), "precious");
        Path part = root.resolve("models--test--linked/blobs/" + sha + ".incomplete");
        Files.createDirectories(part.getParent());
        Files.createSymbolicLink(part, victim);
        HubSnapshot s = downloader().build().download("test/linked");
        assertEquals("precious", Files.readString(victim), "the link's target is untouched");
        assertArrayEquals(repo.files(repo.mainCommit()).get("model.safetensors").content(),
                Files.readAllBytes(s.folder().resolve("model.safetensors")));
        assertFalse(Files.exists(part, LinkOption.NOFOLLOW_LINKS), "the link is gone");
        assertNull(on("cdn").get(0).header("Range"), "the link's target was not taken for a partial download");
    }

    @Test
    void namesUnsafeOnAnyPlatformAreRefused() {
        for (String bad : List.of("D:x.json", "unit/D:evil.json", "a/../b", "..", "./a", "a//b", "a/", "/abs.json", "a\\b.json",
                "CON.json", "sub/con", "aux.txt", "NUL", "COM1.bin", "lpt9", "COM\u00b9", "a\u0001b.json", "a\nb", "a\u007fb",
                "x.", "dir./x", "x ", "what?.json", "a*b", "a<b", "a|b", "a\"b", "")) {
            assertNotNull(RepoPaths.problem(bad), "'" + bad + "' must be refused");
        }
        for (String good : List.of("model_index.json", "transformer/diffusion_pytorch_model.safetensors", ".gitattributes",
                "CONFIG.json", "console.json", "com10.txt", "auxiliary/x.json", "a.b/c d.json", "tokenizer/spiece.model")) {
            assertNull(RepoPaths.problem(good), good);
        }
        // end to end: the listing names such a file; nothing is fetched or written for it
        for (String bad : List.of("unit/D:evil.json", "CON.json", "a\u0001b.json")) {
            String id = "evil/r" + Math.abs(bad.hashCode());
            hub.repo(id).file("config.json", "{}").file(bad, HubFixtures.utf8("x"), false).commit();
            ModelDownloadException e = assertThrows(ModelDownloadException.class,
                    () -> downloader().build().download(id, List.of("*")));
            assertEquals(Reason.PROTOCOL, e.reason());
            assertTrue(e.getMessage().contains("not a safe relative path"), e.getMessage());
            assertFalse(Files.exists(root.resolve("models--" + id.replace("/", "--") + "/snapshots")));
        }
        assertTrue(hub.requests().stream().noneMatch(r -> r.method().equals("HEAD") || r.target().contains("/resolve/")),
                "no file was asked for");
    }

    @Test
    void urlsAreShownWithoutQueryOrUserInfo() {
        assertEquals("https://cdn.example:8443/lfs/abc?...",
                HubHttp.shown(java.net.URI.create("https://user:pw@cdn.example:8443/lfs/abc?X-Amz-Signature=s&Expires=1")));
        assertEquals("https://huggingface.co/api/models/a/b", HubHttp.shown(java.net.URI.create("https://huggingface.co/api/models/a/b")));
    }

    @Test
    void pathsStayInsideTheirFolder() {
        Path base = tmp.resolve("snap");
        assertEquals(base.resolve("a").resolve("b.json"), RepoPaths.under(base, "a/b.json", "x/y"));
        assertThrows(ModelDownloadException.class, () -> RepoPaths.inside(base, base.resolve("../escape")));
        assertThrows(ModelDownloadException.class, () -> RepoPaths.inside(base, base));
        assertThrows(ModelDownloadException.class, () -> RepoPaths.under(base, "a/../../b", "x/y"));
    }
}
