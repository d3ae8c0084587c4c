package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.sprint.core.image.ImageProcessing;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code Prefer: respond-async} and {@code response_format: url} over HTTP on the tiny model: submit → poll → fetch,
 * expiry, another API key's job and image, a full image store. Jobs and images belong to the key that asked for
 * them; the clock is moved by hand.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AsyncJobsServerTest {
    private final MutableClock clock = new MutableClock();
    private TinyServer tiny;
    private final HttpClient raw = HttpClient.newHttpClient();

    @BeforeAll
    void start() {
        // room for about two 64x64 PNGs of the tiny model (each ~10-13 KB with its provenance chunks)
        // jobs and images belong to the API key that asked for them: one key per person
        tiny = new TinyServer(8, b -> b.clock(clock).apiKeys(java.util.List.of(key("alice"), key("bob"), key("carol"), key("dave"),
                key("erin"))).asyncJobs(16, Duration.ofMinutes(10)).imageStore(30_000, Duration.ofMinutes(5)));
    }

    private static String key(String owner) {
        return "key-of-" + owner + "-0123456789";
    }

    @AfterAll
    void stop() {
        tiny.close();
    }

    private Http.Response submit(String body, String owner) {
        return tiny.http.withKey(key(owner)).post("/v1/images/generations", body, "Prefer", "respond-async");
    }

    private JsonObject poll(String location, String owner) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            Http.Response r = get(location, owner);
            assertEquals(200, r.status(), r.body());
            JsonObject o = r.json();
            String st = o.get("status").getAsString();
            assertTrue(Set.of("queued", "running", "succeeded").contains(st), r.body());
            if (st.equals("succeeded")) return o;
            Thread.sleep(100);
        }
        throw new AssertionError("the job did not finish");
    }

    private Http.Response get(String path, String owner) {
        try {
            HttpResponse<String> r = raw.send(HttpRequest.newBuilder(URI.create(tiny.server.url() + path))
                    .header("Authorization", "Bearer " + key(owner)).build(), HttpResponse.BodyHandlers.ofString());
            return new Http.Response(r.statusCode(), r.headers(), r.body());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** GET of an image link with the owner's key, or with none when {@code owner} is null. */
    private HttpResponse<byte[]> fetch(String url, String owner) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
        if (owner != null) b.header("Authorization", "Bearer " + key(owner));
        return raw.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void submitPollFetchGivesTheSynchronousBodyAndWorkingLinks() throws Exception {
        String body = "{\"prompt\": \"a red fox\", \"size\": \"64x64\", \"seed\": 21, \"response_format\": \"url\"}";
        Http.Response accepted = submit(body, "alice");
        assertEquals(202, accepted.status(), accepted.body());
        String id = accepted.json().get("id").getAsString();
        assertEquals("/v1/sprint/jobs/" + id, accepted.header("Location"));
        assertEquals("respond-async", accepted.header("Preference-Applied"));
        assertEquals("queued", accepted.json().get("status").getAsString());

        JsonObject done = poll(accepted.header("Location"), "alice");
        assertEquals(id, done.get("id").getAsString());
        for (String k : new String[] {"created", "data", "output_format", "size", "sprint"}) assertTrue(done.has(k), done.toString());
        JsonObject d = done.getAsJsonArray("data").get(0).getAsJsonObject();
        assertFalse(d.has("b64_json"));
        String url = d.get("url").getAsString();
        assertTrue(url.startsWith(tiny.server.url() + "/v1/sprint/images/"), url);
        HttpResponse<byte[]> png = fetch(url, "alice");
        assertEquals(200, png.statusCode());
        assertEquals(404, fetch(url, "bob").statusCode(), "alice's image is unknown to bob's key");
        assertEquals(401, fetch(url, null).statusCode(), "a link needs a key");
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(null));
        byte[] expected = tiny.pipeline.generate(TinyServer.DEFAULTS.toBuilder().prompt("a red fox").size(64, 64).seed(21).build())
                .image().rgb();
        assertArrayEquals(expected, ImageProcessing.rgb8(ImageIO.read(new ByteArrayInputStream(png.body()))));

        // the same request synchronously: the same body, b64 inline
        Http.Response sync = tiny.http.withKey(key("alice")).post("/v1/images/generations", body.replace("\"url\"", "\"b64_json\""));
        JsonObject syncBody = sync.json();
        assertEquals(syncBody.keySet(), Set.copyOf(done.keySet().stream().filter(syncBody::has).toList()));
    }

    @Test
    void anotherOwnersJobIs404() throws Exception {
        Http.Response accepted = submit("{\"prompt\": \"a boat\", \"size\": \"32x32\"}", "alice");
        String location = accepted.header("Location");
        assertEquals(404, get(location, "bob").status());
        assertEquals("job_not_found", get(location, "bob").json().getAsJsonObject("error").get("code").getAsString());
        assertEquals(404, tiny.http.withKey(key("bob")).delete(location).status(), "bob cannot cancel alice's job");
        assertEquals(401, tiny.http.delete(location).status(), "nor can a request without a key");
        JsonObject done = poll(location, "alice");
        assertNotNull(done.getAsJsonArray("data").get(0).getAsJsonObject().get("b64_json"));
    }

    @Test
    void resultsAndLinksExpire() throws Exception {
        Http.Response accepted = submit("{\"prompt\": \"a kite\", \"size\": \"32x32\", \"response_format\": \"url\"}", "carol");
        String location = accepted.header("Location");
        JsonObject done = poll(location, "carol");
        String url = done.getAsJsonArray("data").get(0).getAsJsonObject().get("url").getAsString();
        assertEquals(200, fetch(url, "carol").statusCode());
        clock.advance(Duration.ofMinutes(5)); // the link's age
        assertEquals(404, fetch(url, "carol").statusCode());
        assertEquals(200, get(location, "carol").status());
        clock.advance(Duration.ofMinutes(5)); // the result's age
        assertEquals(404, get(location, "carol").status());
    }

    @Test
    void aFullStoreLetsTheOldestLinksGo() throws Exception {
        java.util.List<String> urls = new java.util.ArrayList<>();
        long stored = 0;
        while (stored <= 30_000) { // until the 30 000-byte store must have made room
            Http.Response r = tiny.http.withKey(key("erin")).post("/v1/images/generations", "{\"prompt\": \"a cat " + urls.size() + "\", \"size\": \"64x64\","
                    + " \"response_format\": \"url\"}");
            assertEquals(200, r.status(), r.body());
            urls.add(r.json().getAsJsonArray("data").get(0).getAsJsonObject().get("url").getAsString());
            HttpResponse<byte[]> newest = fetch(urls.get(urls.size() - 1), "erin");
            assertEquals(200, newest.statusCode(), "the newest image is always there");
            stored += newest.body().length;
        }
        assertTrue(urls.size() >= 2, "one image is smaller than the store");
        assertEquals(404, fetch(urls.get(0), "erin").statusCode(), "the oldest made room");
        assertEquals(404, fetch(tiny.server.url() + "/v1/sprint/images/AAAAAAAAAAAAAAAAAAAAAA", "erin").statusCode());
    }

    /** Polls until the job's status is not queued or running; returns the last body. */
    private JsonObject finished(String location, String owner) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            JsonObject o = get(location, owner).json();
            String st = o.get("status").getAsString();
            if (!st.equals("queued") && !st.equals("running")) return o;
            Thread.sleep(50);
        }
        throw new AssertionError("the job did not finish");
    }

    @Test
    void aFailedJobCarriesItsErrorAndACancelledOneSaysSo() throws Exception {
        // accepted by the HTTP layer, rejected by the pipeline: not a multiple of 32 with binning off
        Http.Response bad = submit("{\"prompt\": \"a\", \"size\": \"40x32\", \"resolution_binning\": false}", "dave");
        assertEquals(202, bad.status());
        JsonObject failed = finished(bad.header("Location"), "dave");
        assertEquals("failed", failed.get("status").getAsString(), failed.toString());
        assertTrue(failed.getAsJsonObject("error").get("message").getAsString().contains("multiples of"), failed.toString());
        assertFalse(failed.has("data"));

        Http.Response slow = submit("{\"prompt\": \"a\", \"size\": \"512x512\", \"steps\": 4}", "dave");
        Http.Response del = tiny.http.withKey(key("dave")).delete(slow.header("Location"));
        assertEquals(200, del.status(), del.body());
        JsonObject cancelled = finished(slow.header("Location"), "dave");
        assertEquals("cancelled", cancelled.get("status").getAsString(), cancelled.toString());
    }

    @Test
    void asyncAndStreamExcludeEachOther() {
        Http.Response r = submit("{\"prompt\": \"a\", \"stream\": true}", "alice");
        assertEquals(400, r.status());
        assertEquals("stream", r.json().getAsJsonObject("error").get("param").getAsString());
    }
}
