package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.testing.Await;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadataNode;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.w3c.dom.Node;

/**
 * The server as an attacker meets it (issue 21), over real HTTP on the tiny golden model: API keys, cross-site
 * and DNS-rebinding requests, job ownership, a client that hangs up, slow clients, work budgets, long prompts
 * in JPEG comments, the bind check and the security headers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServerSecurityTest {
    private static final String A = "key-a-0123456789abcdef";
    private static final String B = "key-b-0123456789abcdef";
    private static final long MAX_WORK = 64L * 64 * 4 * 4;

    private SlowSteps slow;
    private TinyServer tiny;
    private Http anon;
    private Http a;
    private Http b;
    private int port;

    @BeforeAll
    void start() {
        tiny = new TinyServer(8, s -> s.apiKeys(List.of(A, B)).allowHost("sprint.example.com").allowOrigin("https://app.example.com")
                .maxWork(MAX_WORK).maxConcurrentPerKey(2).headerTimeout(Duration.ofSeconds(1)).idleTimeout(Duration.ofSeconds(3))
                .minRequestDataRate(1000), p -> slow = new SlowSteps(p, 400));
        anon = tiny.http;
        a = anon.withKey(A);
        b = anon.withKey(B);
        port = URI.create(tiny.server.url()).getPort();
    }

    @AfterAll
    void stop() {
        if (tiny != null) tiny.close();
    }

    private static String gen(String prompt, String extra) {
        return "{\"prompt\": \"" + prompt + "\", \"size\": \"64x64\"" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    private static JsonObject error(Http.Response r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        JsonObject e = r.json().getAsJsonObject("error");
        assertEquals(code, e.get("code").isJsonNull() ? null : e.get("code").getAsString(), r.body());
        return e;
    }

    @Test
    void theApiAndMetricsNeedAKeyHealthAndThePageDoNot() {
        for (String path : List.of("/v1/models", "/metrics", "/v1/sprint/jobs/x", "/v1/nothing")) {
            Http.Response none = anon.get(path);
            JsonObject e = error(none, 401, null);
            assertEquals("invalid_request_error", e.get("type").getAsString());
            assertTrue(e.get("message").getAsString().contains("Authorization: Bearer"), none.body());
            assertEquals("Bearer", none.header("WWW-Authenticate"));
            error(anon.get(path, "Authorization", "Bearer " + A + "x"), 401, "invalid_api_key");
            error(anon.get(path, "Authorization", "Basic " + A), 401, "invalid_api_key");
        }
        error(anon.post("/v1/images/generations", gen("a fox", "")), 401, null);
        assertEquals(200, a.get("/v1/models").status());
        assertEquals(200, b.get("/metrics").status());
        assertEquals(200, anon.get("/health/live").status());
        assertEquals(200, anon.get("/health/ready").status());
        assertEquals(200, anon.get("/").status());
        Http.Response ok = a.post("/v1/images/generations", gen("a fox", "\"seed\": 1"));
        assertEquals(200, ok.status(), ok.body());
    }

    @Test
    void crossSiteRequestsAreRefused() {
        String body = gen("a fox", "");
        // what a web page can send without a CORS preflight: text/plain and form bodies
        error(a.send("POST", "/v1/images/generations", "text/plain", body), 415, "unsupported_media_type");
        error(a.send("POST", "/v1/images/generations", "text/plain;charset=UTF-8", body), 415, "unsupported_media_type");
        error(a.send("POST", "/v1/images/generations", "application/x-www-form-urlencoded", "prompt=a+fox"), 415, "unsupported_media_type");
        error(a.send("POST", "/v1/images/generations", "application/json; charset=latin1", body), 415, "unsupported_media_type");
        error(a.send("POST", "/v1/images/edits", "application/json", body), 415, "unsupported_media_type");
        // a foreign origin, with or without a key
        error(a.post("/v1/images/generations", body, "Origin", "https://evil.example"), 403, "origin_not_allowed");
        error(a.get("/v1/models", "Origin", "http://localhost.evil.example:" + port), 403, "origin_not_allowed");
        error(anon.send("OPTIONS", "/v1/images/generations", null, null, "Origin", "https://evil.example",
                "Access-Control-Request-Method", "POST"), 403, "origin_not_allowed");
        // the server's own origin, and an allowed one (with CORS headers and a preflight)
        assertEquals(200, a.post("/v1/images/generations", body, "Origin", tiny.server.url()).status());
        Http.Response allowed = a.post("/v1/images/generations", body, "Origin", "https://app.example.com");
        assertEquals(200, allowed.status(), allowed.body());
        assertEquals("https://app.example.com", allowed.header("Access-Control-Allow-Origin"));
        Http.Response pre = anon.send("OPTIONS", "/v1/images/generations", null, null, "Origin", "https://app.example.com",
                "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization,content-type");
        assertEquals(204, pre.status(), pre.body());
        assertEquals("https://app.example.com", pre.header("Access-Control-Allow-Origin"));
        assertTrue(pre.header("Access-Control-Allow-Headers").contains("Authorization"), pre.header("Access-Control-Allow-Headers"));
        // behind a TLS proxy that forwards Host: the page's own requests are same-origin
        String proxied = RawHttp.exchange(tiny.server.url(), "POST", "/v1/images/generations", "sprint.example.com", body,
                "Origin", "https://sprint.example.com", "Content-Type", "application/json", "Authorization", "Bearer " + A);
        assertEquals(200, RawHttp.status(proxied), proxied.length() > 300 ? proxied.substring(0, 300) : proxied);
        String otherPort = RawHttp.exchange(tiny.server.url(), "POST", "/v1/images/generations", "sprint.example.com", body,
                "Origin", "https://sprint.example.com:8443", "Content-Type", "application/json", "Authorization", "Bearer " + A);
        assertEquals(403, RawHttp.status(otherPort), otherPort);
    }

    @Test
    void aDnsRebindingHostIsRefused() {
        String key = "Bearer " + A;
        String evil = RawHttp.exchange(tiny.server.url(), "GET", "/v1/models", "rebind.evil.example:" + port, null, "Authorization", key);
        assertEquals(403, RawHttp.status(evil), evil);
        assertTrue(evil.contains("host_not_allowed"), evil);
        assertFalse(evil.contains("\"data\""), evil);
        String post = RawHttp.exchange(tiny.server.url(), "POST", "/v1/images/generations", "rebind.evil.example:" + port,
                gen("a fox", ""), "Content-Type", "application/json", "Authorization", key);
        assertEquals(403, RawHttp.status(post), post);
        for (String host : List.of("localhost:" + port, "127.0.0.1:" + port, "sprint.example.com", "Sprint.Example.com:443")) {
            String r = RawHttp.exchange(tiny.server.url(), "GET", "/v1/models", host, null, "Authorization", key);
            assertEquals(200, RawHttp.status(r), host + ": " + r);
        }
        String health = RawHttp.exchange(tiny.server.url(), "GET", "/health/live", "rebind.evil.example", null);
        assertEquals(200, RawHttp.status(health), "health checks answer any Host: " + health);
    }

    @Test
    void anotherKeysJobIs404() {
        CompletableFuture<Http.Response> mine = a.postAsync("/v1/images/generations", gen("slow, mine", "\"steps\": 4"),
                SprintServer.JOB_HEADER, "mine");
        Await.until(() -> a.get("/v1/sprint/jobs/mine").status() == 200, "the job to be known to its owner");
        String id = a.get("/v1/sprint/jobs/mine").json().get("id").getAsString();
        assertFalse(id.equals("mine"), "the server issues the id; the client's is a label");
        error(b.get("/v1/sprint/jobs/" + id), 404, "job_not_found");
        error(b.get("/v1/sprint/jobs/mine"), 404, "job_not_found");
        error(b.delete("/v1/sprint/jobs/" + id), 404, "job_not_found");
        assertEquals(200, a.get("/v1/sprint/jobs/" + id).status(), "still there for its owner");
        assertTrue(a.delete("/v1/sprint/jobs/" + id).json().get("cancelled").getAsBoolean());
        error(Http.join(mine), 409, "request_cancelled");
    }

    @Test
    void aClientThatHangsUpHasItsJobCancelledWithinOneStep() throws IOException {
        hangUpAfterTheFirstStep(gen("slow, then the client hangs up", "\"steps\": 4"));
    }

    /** Sends a 4-step generation, closes the connection after its first step, and checks that it stops within one more. */
    private void hangUpAfterTheFirstStep(String body) throws IOException {
        int stepsBefore = slow.steps.get();
        int cancelledBefore = slow.cancelled.get();
        int atClose;
        try (Socket s = RawHttp.connect(tiny.server.url(), 60_000)) {
            s.getOutputStream().write(RawHttp.request("POST", "/v1/images/generations", "127.0.0.1:" + port,
                    body, "Content-Type", "application/json", "Authorization", "Bearer " + A));
            Await.until(() -> slow.steps.get() > stepsBefore, "the first step");
            atClose = slow.steps.get();
        }
        Await.until(() -> slow.cancelled.get() > cancelledBefore, "the generation to stop");
        int after = slow.steps.get() - atClose;
        assertTrue(after <= 1, "steps after the client hung up: " + after + " (at most the one running)");
        assertTrue(slow.steps.get() - stepsBefore < 4, "the generation did not run to its end");
        Await.until(() -> tiny.server.service().queueDepth() == 0 && tiny.server.service().stats().runningBatches() == 0, "an idle service");
    }

    @Test
    void slowClientsAreDroppedWhileHealthAnswers() throws Exception {
        List<Socket> loris = new ArrayList<>();
        try {
            for (int i = 0; i < 30; i++) {
                Socket s = RawHttp.connect(tiny.server.url(), 6_000);
                s.getOutputStream().write(("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n").getBytes(StandardCharsets.US_ASCII));
                loris.add(s);
            }
            // a body at 10 bytes/s, below the 1000 B/s minimum
            Socket body = RawHttp.connect(tiny.server.url(), 6_000);
            body.getOutputStream().write(("POST /v1/images/generations HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAuthorization: Bearer " + A
                    + "\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
            loris.add(body);
            Thread dribble = new Thread(() -> {
                for (int k = 0; k < 100; k++) {
                    for (Socket s : loris) {
                        try {
                            OutputStream out = s.getOutputStream();
                            out.write(s == body ? ' ' : 'X');
                            out.flush();
                        } catch (IOException e) {
                            // closed by the server: what the test waits for
                        }
                    }
                    try {
                        Thread.sleep(100);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "slow-loris");
            dribble.setDaemon(true);
            long t0 = System.nanoTime();
            dribble.start();
            for (int i = 0; i < 5; i++) {
                long h0 = System.nanoTime();
                assertEquals(200, anon.get("/health/live").status());
                assertTrue(System.nanoTime() - h0 < 1_000_000_000L, "/health/live answers at once while slow clients hang on");
                Thread.sleep(100);
            }
            for (Socket s : loris) assertTrue(RawHttp.closedByServer(s), "a slow client's connection is closed by the server");
            assertTrue(RawHttp.received(body).startsWith("HTTP/1.1 408"), "a body below the minimum data rate gets 408: " + RawHttp.received(body));
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(seconds < 6, "dropped within the header deadline and the minimum data rate: " + seconds + " s");
            dribble.interrupt();
            assertEquals(200, anon.get("/health/live").status());
            assertEquals(200, a.get("/v1/models").status());
        } finally {
            for (Socket s : loris) s.close();
        }
    }

    @Test
    void overBudgetRequestsAre400NamingTheLimit() {
        JsonObject e = error(a.post("/v1/images/generations", "{\"prompt\": \"a\", \"size\": \"128x128\", \"n\": 2, \"steps\": 4}"), 400,
                "work_limit_exceeded");
        String m = e.get("message").getAsString();
        assertTrue(m.contains(Long.toString(MAX_WORK)) && m.contains("--max-work") && m.contains("131072"), m);
        error(a.post("/v1/images/generations", gen("a", "\"steps\": 1000")), 400, "work_limit_exceeded");
        StringBuilder many = new StringBuilder("[");
        for (int i = 64; i >= 0; i--) many.append(i == 64 ? "" : ", ").append(i / 64.0);
        JsonObject t = error(a.post("/v1/images/generations", gen("a", "\"timesteps\": " + many + "]")), 400, "array_above_max_length");
        assertTrue(t.get("message").getAsString().contains("64"), t.toString());
        Http.Response atTheLimit = a.post("/v1/images/generations", gen("a", "\"n\": 4, \"steps\": 4"));
        assertEquals(200, atTheLimit.status(), "64x64 x 4 images x 4 steps is exactly the limit: " + atTheLimit.body());
    }

    @Test
    void aKeyMayHaveOnlySoManyRequestsAtOnce() {
        List<CompletableFuture<Http.Response>> running = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            running.add(a.postAsync("/v1/images/generations", gen("slow " + i, "\"steps\": 4"), SprintServer.JOB_HEADER, "busy-" + i));
        }
        Await.until(() -> a.get("/v1/sprint/jobs/busy-0").status() == 200 && a.get("/v1/sprint/jobs/busy-1").status() == 200,
                "both jobs to be accepted");
        Http.Response third = a.post("/v1/images/generations", gen("a third", ""));
        error(third, 429, "too_many_concurrent_requests");
        assertNotNull(third.header("Retry-After"));
        CompletableFuture<Http.Response> other = b.postAsync("/v1/images/generations", gen("another key", ""));
        for (int i = 0; i < 2; i++) a.delete("/v1/sprint/jobs/busy-" + i);
        for (CompletableFuture<Http.Response> f : running) assertEquals(409, Http.join(f).status());
        assertEquals(200, Http.join(other).status(), "another key is not limited by the first key's requests");
    }

    @Test
    void streamedAndAsyncRequestsPassTheSameChecks() {
        error(anon.post("/v1/images/generations", gen("a", "\"stream\": true")), 401, null);
        error(anon.post("/v1/images/generations", gen("a", ""), "Prefer", "respond-async"), 401, null);
        error(a.send("POST", "/v1/images/generations", "text/plain", gen("a", "\"stream\": true")), 415, "unsupported_media_type");
        error(a.send("POST", "/v1/images/generations", "text/plain", gen("a", ""), "Prefer", "respond-async"), 415,
                "unsupported_media_type");
        error(a.post("/v1/images/generations", gen("a", "\"steps\": 1000, \"stream\": true")), 400, "work_limit_exceeded");
        error(a.post("/v1/images/generations", gen("a", "\"steps\": 1000"), "Prefer", "respond-async"), 400, "work_limit_exceeded");
        // the tiny server previews with the model's VAE: one decode per step counts as one more step
        JsonObject e = error(a.post("/v1/images/generations", gen("a", "\"n\": 4, \"steps\": 4, \"stream\": true, \"partial_images\": 1")),
                400, "work_limit_exceeded");
        assertTrue(e.get("message").getAsString().contains("VAE-decoded preview"), e.toString());
        Http.Response half = a.post("/v1/images/generations", gen("a", "\"n\": 2, \"steps\": 4, \"stream\": true, \"partial_images\": 1"));
        assertEquals(200, half.status(), half.body());
        assertTrue(half.body().contains("event: image_generation.completed"), half.body());
        assertEquals(0, tiny.server.service().queueDepth());
    }

    @Test
    void asyncAndStreamedRequestsCountAgainstTheKeysLimit() {
        List<String> locations = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            Http.Response r = a.post("/v1/images/generations", gen("slow async " + i, "\"steps\": 4"), "Prefer", "respond-async");
            assertEquals(202, r.status(), r.body());
            locations.add(r.header("Location"));
        }
        error(a.post("/v1/images/generations", gen("a third, streamed", "\"stream\": true")), 429, "too_many_concurrent_requests");
        error(a.post("/v1/images/generations", gen("a third, async", ""), "Prefer", "respond-async"), 429, "too_many_concurrent_requests");
        error(b.get(locations.get(0)), 404, "job_not_found");
        for (String l : locations) assertEquals(200, a.delete(l).status());
        Await.until(() -> a.get(locations.get(1)).json().get("status").getAsString().equals("cancelled"), "the async jobs to end");
        Http.Response again = a.post("/v1/images/generations", gen("after them", "\"stream\": true"));
        assertEquals(200, again.status(), "a finished async job frees its place: " + again.body());
    }

    @Test
    void aStreamingClientThatHangsUpHasItsJobCancelled() throws IOException {
        // no partial images: nothing is written until the end, so only the connection watch can notice
        hangUpAfterTheFirstStep(gen("slow, streamed, then the client hangs up", "\"steps\": 4, \"stream\": true"));
    }

    @Test
    void aLongCjkPromptAsJpegWorksAndNoPromptForgesACommentLine() throws IOException {
        StringBuilder p = new StringBuilder();
        for (int i = 0; i < 25_000; i++) p.appendCodePoint(0x4E00 + (i * 7) % 2000);
        String prompt = p.toString();
        Http.Response r = a.post("/v1/images/generations", "{\"prompt\": \"" + prompt + "\", \"size\": \"64x64\", \"seed\": 9,"
                + " \"output_format\": \"jpeg\"}");
        assertEquals(200, r.status(), r.body().length() > 500 ? r.body().substring(0, 500) : r.body());
        byte[] jpeg = Base64.getDecoder().decode(r.json().getAsJsonArray("data").get(0).getAsJsonObject().get("b64_json").getAsString());
        assertEquals(64, ImageIO.read(new ByteArrayInputStream(jpeg)).getWidth());
        byte[] com = comment(jpeg);
        assertTrue(com.length <= 65_533, "a COM segment holds 65 533 bytes of text: " + com.length);
        Map<String, String> lines = lines(strictUtf8(com));
        assertEquals("9", lines.get("sprint:seed"), "the lines after the cut prompt survive");
        assertTrue(lines.get("sprint:truncated").contains("sprint:prompt"), lines.get("sprint:truncated"));
        String kept = lines.get("sprint:prompt");
        assertTrue(kept.length() > 10_000 && prompt.startsWith(kept), "a prefix of the prompt, cut on a character: " + kept.length());

        Http.Response forged = a.post("/v1/images/generations", "{\"prompt\": \"a fox\\nsprint:seed=999\\r\\nsprint:model=evil\", \"size\":"
                + " \"64x64\", \"seed\": 3, \"output_format\": \"jpeg\"}");
        assertEquals(200, forged.status(), forged.body());
        byte[] jpeg2 = Base64.getDecoder().decode(forged.json().getAsJsonArray("data").get(0).getAsJsonObject().get("b64_json").getAsString());
        Map<String, String> l2 = lines(strictUtf8(comment(jpeg2)));
        assertEquals("3", l2.get("sprint:seed"));
        assertEquals("model", l2.get("sprint:model"), "the model's folder name, never its path");
        assertEquals("a fox\\nsprint:seed=999\\r\\nsprint:model=evil", l2.get("sprint:prompt"));
    }

    @Test
    void onlyPngJpegGifAndBmpUploadsAreDecoded() throws IOException {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_INT_RGB);
        for (String format : List.of("tiff", "wbmp")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BufferedImage src = format.equals("wbmp")
                    ? new BufferedImage(64, 64, BufferedImage.TYPE_BYTE_BINARY) : img;
            assertTrue(ImageIO.write(src, format, out), "the JDK writes " + format);
            error(a.multipart("/v1/images/edits", Map.of("prompt", "a fox"), Map.of("image", new Object[] {"in." + format, "image/" + format,
                    out.toByteArray()})), 400, "invalid_image_format");
        }
        for (String format : List.of("png", "jpeg", "gif", "bmp")) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertTrue(ImageIO.write(img, format, out), format);
            Http.Response r = a.multipart("/v1/images/edits", Map.of("prompt", "a fox", "steps", "1"), Map.of("image",
                    new Object[] {"in." + format, "image/" + format, out.toByteArray()}));
            assertEquals(200, r.status(), format + ": " + r.body());
        }
    }

    @Test
    void aNonLoopbackBindWithoutAKeyRefusesToStart() {
        InvalidRequestException e = assertThrows(InvalidRequestException.class,
                () -> SprintServer.builder().pipeline(FakePipeline::new).host("0.0.0.0").port(0).build());
        assertTrue(e.getMessage().contains("--api-key") && e.getMessage().contains("--insecure-no-auth"), e.getMessage());
        SprintServer.builder().pipeline(FakePipeline::new).host("0.0.0.0").port(0).insecureNoAuth(true).build().close();
        SprintServer.builder().pipeline(FakePipeline::new).host("0.0.0.0").port(0).apiKeys(List.of(A)).build().close();
        for (String loopback : List.of("127.0.0.1", "localhost", "::1", "127.0.0.2")) {
            SprintServer.builder().pipeline(FakePipeline::new).host(loopback).port(0).build().close();
        }
    }

    @Test
    void everyResponseCarriesTheSecurityHeaders() throws Exception {
        Http.Response page = anon.get("/");
        String csp = page.header("Content-Security-Policy");
        assertTrue(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'") && csp.contains("connect-src 'self'"), csp);
        Matcher script = Pattern.compile("<script>(.*?)</script>", Pattern.DOTALL).matcher(page.body());
        assertTrue(script.find());
        String hash = Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(script.group(1).getBytes(StandardCharsets.UTF_8)));
        assertTrue(csp.contains("script-src 'sha256-" + hash + "'"), "the page's own script, and nothing else, may run: " + csp);
        for (Http.Response r : List.of(page, a.get("/v1/models"), anon.get("/v1/models"), anon.get("/health/live"))) {
            assertNotNull(r.header("Content-Security-Policy"));
            assertTrue(r.header("Content-Security-Policy").contains("frame-ancestors 'none'"));
            assertEquals("nosniff", r.header("X-Content-Type-Options"));
            assertEquals("DENY", r.header("X-Frame-Options"));
            assertEquals("no-referrer", r.header("Referrer-Policy"));
        }
    }

    @Test
    void modelPathsAreNotShown() throws IOException {
        String where = Golden.sana().toAbsolutePath().toString();
        Http.Response models = a.get("/v1/models");
        assertFalse(models.body().contains(where), models.body());
        assertEquals("model", models.json().getAsJsonArray("data").get(0).getAsJsonObject().getAsJsonObject("sprint").get("model").getAsString());
        Http.Response r = a.post("/v1/images/generations", gen("a fox", "\"seed\": 2"));
        byte[] png = Base64.getDecoder().decode(r.json().getAsJsonArray("data").get(0).getAsJsonObject().get("b64_json").getAsString());
        Map<String, String> text = TinyModelServerTest.text(png);
        assertEquals("model", text.get("sprint:model"));
        assertTrue(text.values().stream().noneMatch(v -> v.contains(where)), text.toString());
    }

    /** The bytes of a JPEG's COM segment, as ImageIO's reader gives them. */
    private static byte[] comment(byte[] jpeg) throws IOException {
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(jpeg))) {
            ImageReader reader = ImageIO.getImageReadersByFormatName("jpeg").next();
            reader.setInput(in);
            Node root = reader.getImageMetadata(0).getAsTree("javax_imageio_jpeg_image_1.0");
            reader.dispose();
            byte[] found = find(root);
            assertNotNull(found, "the JPEG has a COM segment");
            return found;
        }
    }

    private static byte[] find(Node n) {
        if (n.getNodeName().equals("com") && n instanceof IIOMetadataNode m && m.getUserObject() instanceof byte[] bytes) return bytes;
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            byte[] b = find(c);
            if (b != null) return b;
        }
        return null;
    }

    private static String strictUtf8(byte[] b) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new AssertionError("the comment is not valid UTF-8 (cut inside a character?)", e);
        }
    }

    private static Map<String, String> lines(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            assertTrue(eq > 0, "every line is key=value: " + (line.length() > 80 ? line.substring(0, 80) : line));
            assertFalse(out.containsKey(line.substring(0, eq)), "no key twice: " + line.substring(0, eq));
            out.put(line.substring(0, eq), line.substring(eq + 1));
        }
        return out;
    }
}
