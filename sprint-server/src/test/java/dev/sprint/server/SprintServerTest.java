package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import dev.sprint.api.ModelLoadException;
import dev.sprint.core.testing.Await;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** HTTP behaviour of {@link SprintServer} on a {@link FakePipeline}: life cycle, errors, limits, queueing, metrics. */
class SprintServerTest {
    private final FakePipeline fake = new FakePipeline();
    private SprintServer server;
    private Http http;

    @AfterEach
    void stop() {
        fake.open();
        if (server != null) server.close();
    }

    private SprintServer.Builder builder() {
        return SprintServer.builder().pipeline(() -> fake).modelName("tiny").port(0).warmup(false).maxBatch(1)
                .shutdownGrace(Duration.ofSeconds(5));
    }

    private void start(SprintServer.Builder b) {
        server = b.build().start();
        server.awaitReady(Duration.ofSeconds(30));
        http = new Http(server.url());
    }

    /** An OpenAI error: exactly error.{message, type, param, code}; returns the error object. */
    private static JsonObject assertError(Http.Response r, int status, String type, String param, String code) {
        assertEquals(status, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"), r.header("Content-Type"));
        JsonObject body = r.json();
        assertEquals(Set.of("error"), body.keySet(), r.body());
        JsonObject e = body.getAsJsonObject("error");
        assertEquals(Set.of("message", "type", "param", "code"), e.keySet(), r.body());
        assertFalse(e.get("message").getAsString().isBlank());
        assertFalse(e.get("message").getAsString().contains("\tat "), "no stack trace: " + r.body());
        assertEquals(type, e.get("type").getAsString(), r.body());
        assertEquals(param, e.get("param").isJsonNull() ? null : e.get("param").getAsString(), r.body());
        assertEquals(code, e.get("code").isJsonNull() ? null : e.get("code").getAsString(), r.body());
        return e;
    }

    private static String body(String extra) {
        return "{\"prompt\": \"a red fox\", \"size\": \"64x64\"" + (extra.isEmpty() ? "" : ", " + extra) + "}";
    }

    /** Every duration setting refuses zero, negative and missing values with its own name, before anything starts. */
    @Test
    void durationSettingsMustBePositive() {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), null}) {
            Map<String, Runnable> settings = Map.of(
                    "idleTimeout", () -> builder().idleTimeout(bad),
                    "headerTimeout", () -> builder().headerTimeout(bad),
                    "requestTimeout", () -> builder().requestTimeout(bad),
                    "the asyncJobs result lifetime", () -> builder().asyncJobs(4, bad),
                    "the imageStore link lifetime", () -> builder().imageStore(1 << 20, bad),
                    "timeout", () -> ImageService.builder(fake).timeout(bad));
            settings.forEach((name, set) -> {
                dev.sprint.api.InvalidRequestException e = assertThrows(dev.sprint.api.InvalidRequestException.class, set::run, name);
                assertTrue(e.getMessage().startsWith(name + " must be a positive duration"), e.getMessage());
            });
        }
    }

    @Test
    void whileLoadingLiveIsUpReadyIs503AndImagesAre503() {
        CountDownLatch release = new CountDownLatch(1);
        server = builder().pipeline(() -> {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return fake;
        }).build().start();
        http = new Http(server.url());
        assertEquals(200, http.get("/health/live").status());
        Http.Response ready = http.get("/health/ready");
        assertEquals(503, ready.status());
        assertEquals("loading", ready.json().get("status").getAsString());
        Http.Response gen = http.post("/v1/images/generations", body(""));
        assertError(gen, 503, "server_error", null, "model_loading");
        assertNotNull(gen.header("Retry-After"));
        assertEquals("loading", http.get("/v1/models").json().getAsJsonArray("data").get(0).getAsJsonObject()
                .getAsJsonObject("sprint").get("status").getAsString());
        release.countDown();
        server.awaitReady(Duration.ofSeconds(10));
        assertEquals(200, http.get("/health/ready").status());
        fake.open();
        assertEquals(200, http.post("/v1/images/generations", body("")).status());
    }

    @Test
    void aFailedLoadIsReportedAndNeverReady() {
        server = builder().pipeline(() -> {
            throw new ModelLoadException("no model_index.json in /nowhere");
        }).build().start();
        assertThrows(ModelLoadException.class, () -> server.awaitReady(Duration.ofSeconds(10)));
        http = new Http(server.url());
        Http.Response ready = http.get("/health/ready");
        assertEquals(503, ready.status());
        assertEquals("failed", ready.json().get("status").getAsString());
        assertFalse(ready.body().contains("/nowhere"), "the load error stays in the log: " + ready.body());
        JsonObject e = assertError(http.post("/v1/images/generations", body("")), 503, "server_error", null, "model_unavailable");
        assertFalse(e.get("message").getAsString().contains("/nowhere"), e.toString());
    }

    @Test
    void everyBadRequestIsA400InOpenAisShapeAndTheServerStaysUp() {
        start(builder().maxPromptChars(100));
        fake.open();
        String inv = "invalid_request_error";
        assertError(http.post("/v1/images/generations", "{\"prompt\": "), 400, inv, null, "invalid_json");
        assertError(http.post("/v1/images/generations", "[1, 2]"), 400, inv, null, "invalid_json");
        assertError(http.post("/v1/images/generations", "{\"prompt\": 'single quotes'}"), 400, inv, null, "invalid_json");
        assertError(http.post("/v1/images/generations", "{\"size\": \"64x64\"}"), 400, inv, "prompt", "missing_required_parameter");
        assertError(http.post("/v1/images/generations", "{\"prompt\": \"  \"}"), 400, inv, "prompt", "empty_string");
        assertError(http.post("/v1/images/generations", "{\"prompt\": \"" + "x".repeat(101) + "\"}"), 400, inv, "prompt",
                "string_above_max_length");
        assertError(http.post("/v1/images/generations", "{\"prompt\": 7}"), 400, inv, "prompt", "invalid_type");
        assertError(http.post("/v1/images/generations", body("\"n\": \"2\"")), 400, inv, "n", "invalid_type");
        assertError(http.post("/v1/images/generations", body("\"n\": 1.5")), 400, inv, "n", "invalid_type");
        assertError(http.post("/v1/images/generations", body("\"n\": 0")), 400, inv, "n", "integer_below_min_value");
        assertError(http.post("/v1/images/generations", body("\"n\": 11")), 400, inv, "n", "integer_above_max_value");
        assertError(http.post("/v1/images/generations", "{\"prompt\": \"a\", \"size\": \"huge\"}"), 400, inv, "size", "invalid_value");
        assertError(http.post("/v1/images/generations", "{\"prompt\": \"a\", \"size\": \"4096x4096\"}"), 400, inv, "size", "invalid_value");
        assertError(http.post("/v1/images/generations", body("\"response_format\": \"url\", \"stream\": true")), 400, inv,
                "response_format", "unsupported_value");
        assertError(http.post("/v1/images/generations", body("\"response_format\": \"svg\"")), 400, inv, "response_format", "invalid_value");
        assertError(http.post("/v1/images/generations", body("\"output_format\": \"gif\"")), 400, inv, "output_format", "invalid_value");
        if (!ImageIO.getImageWritersByFormatName("webp").hasNext()) {
            assertError(http.post("/v1/images/generations", body("\"output_format\": \"webp\"")), 400, inv, "output_format",
                    "unsupported_value");
        }
        assertError(http.post("/v1/images/generations", body("\"output_compression\": 101")), 400, inv, "output_compression",
                "invalid_value");
        assertError(http.post("/v1/images/generations", body("\"background\": \"transparent\"")), 400, inv, "background",
                "unsupported_value");
        assertError(http.post("/v1/images/generations", body("\"stream\": true, \"partial_images\": 4")), 400, inv, "partial_images",
                "invalid_value");
        assertError(http.post("/v1/images/generations", body("\"guidance\": 3")), 400, inv, "guidance", "unknown_parameter");
        assertError(http.post("/v1/images/generations", body("\"seed\": 1e30")), 400, inv, "seed", "invalid_type");
        assertError(http.post("/v1/images/generations", body("\"timesteps\": [1.5, \"x\"]")), 400, inv, "timesteps", "invalid_type");
        assertError(http.post("/v1/images/generations", body("\"resolution_binning\": \"no\"")), 400, inv, "resolution_binning",
                "invalid_type");
        assertError(http.post("/v1/images/generations", body("\"model\": \"dall-e-3\"")), 404, inv, "model", "model_not_found");
        // the pipeline's own InvalidRequestException
        assertError(http.post("/v1/images/generations", "{\"prompt\": \"a BAD prompt\"}"), 400, inv, null, "invalid_value");
        // a raw failure inside the pipeline: 500, no stack trace
        JsonObject boom = assertError(http.post("/v1/images/generations", "{\"prompt\": \"BOOM\"}"), 500, "server_error", null, null);
        assertTrue(boom.get("message").getAsString().contains("error id"), boom.toString());
        assertFalse(boom.get("message").getAsString().contains("raw failure"), "no exception text: " + boom);
        // routes and methods
        assertError(http.get("/v1/nothing"), 404, inv, null, "unknown_url");
        assertError(http.get("/v1/images/generations"), 405, inv, null, "method_not_allowed");
        assertError(http.get("/v1/models/other"), 404, inv, "model", "model_not_found");
        assertError(http.get("/v1/sprint/jobs/unknown"), 404, inv, "id", "job_not_found");
        // edits on a model without img2img, and edits that are not multipart
        assertError(http.post("/v1/images/edits", body("")), 415, inv, null, "unsupported_media_type");
        byte[] png = new dev.sprint.api.GeneratedImage(2, 2, new byte[12], new dev.sprint.api.Provenance("m", "p", "b", "x", 1, 1, 2, 2,
                Map.of())).toPng();
        assertError(http.multipart("/v1/images/edits", Map.of("prompt", "a"), Map.of("image", new Object[] {"in.png", "image/png", png})),
                400, inv, "image", "unsupported_value");
        // still serving
        assertEquals(200, http.post("/v1/images/generations", body("\"seed\": 5, \"negative_prompt\": \"blurry\"")).status());
        assertEquals(200, http.get("/health/ready").status());
    }

    @Test
    void aJsonBodyOverTheLimitIs413() {
        start(builder().maxJsonBytes(4096));
        fake.open();
        String big = "{\"prompt\": \"" + "x".repeat(5000) + "\"}";
        assertError(http.post("/v1/images/generations", big), 413, "invalid_request_error", null, "request_too_large");
        assertEquals(200, http.post("/v1/images/generations", body("")).status());
    }

    @Test
    void aCrossSitePostToAServerWithoutKeysIsRefused() {
        start(builder());
        fake.open();
        // what any web page the user visits can send to localhost without a CORS preflight
        String form = "{\"prompt\": \"drawn by another site\", \"size\": \"64x64\"}";
        assertError(http.send("POST", "/v1/images/generations", "text/plain", form, "Origin", "https://evil.example"), 403,
                "invalid_request_error", null, "origin_not_allowed");
        assertError(http.send("POST", "/v1/images/generations", "text/plain", form), 415, "invalid_request_error", null,
                "unsupported_media_type");
        assertTrue(fake.calls.isEmpty(), "nothing was generated");
        assertEquals(200, http.post("/v1/images/generations", body("")).status(), "application/json from a non-browser client works");
    }

    @Test
    void aGenerationLongerThanTheIdleTimeoutStillAnswers() throws Exception {
        start(builder().idleTimeout(Duration.ofMillis(500)));
        CompletableFuture<Http.Response> slow = http.postAsync("/v1/images/generations", body(""));
        Await.until(() -> fake.calls.size() == 1, "the request to run");
        Thread.sleep(1500); // three idle timeouts while the request waits for its image
        fake.open();
        assertEquals(200, Http.join(slow).status(), "a request waiting for its image is not idle");
    }

    @Test
    void aFullQueueIs429WithRetryAfter() {
        start(builder().queueCapacity(1));
        CompletableFuture<Http.Response> running = http.postAsync("/v1/images/generations", body(""));
        Await.until(() -> fake.calls.size() == 1, "the first request to run");
        CompletableFuture<Http.Response> queued = http.postAsync("/v1/images/generations", body(""));
        Await.until(() -> server.service().queueDepth() == 1, "the second request to queue");
        Http.Response full = http.post("/v1/images/generations", body(""));
        assertError(full, 429, "rate_limit_error", null, "queue_full");
        assertTrue(Long.parseLong(full.header("Retry-After")) >= 1, full.header("Retry-After"));
        fake.open();
        assertEquals(200, Http.join(running).status());
        assertEquals(200, Http.join(queued).status());
    }

    @Test
    void aRequestPastItsDeadlineIs504() {
        start(builder().requestTimeout(Duration.ofMillis(300)));
        assertError(http.post("/v1/images/generations", body("")), 504, "server_error", null, "deadline_exceeded");
        fake.open();
        assertEquals(200, http.post("/v1/images/generations", body("")).status());
    }

    @Test
    void aRequestCanBeFollowedAndCancelledByItsJobId() {
        start(builder());
        CompletableFuture<Http.Response> first = http.postAsync("/v1/images/generations", body(""), SprintServer.JOB_HEADER, "first");
        Await.until(() -> fake.calls.size() == 1, "the first request to run");
        CompletableFuture<Http.Response> second = http.postAsync("/v1/images/generations", "{\"prompt\": \"the second\"}",
                SprintServer.JOB_HEADER, "second");
        Await.until(() -> http.get("/v1/sprint/jobs/second").status() == 200, "the second request to be known");
        JsonObject st = http.get("/v1/sprint/jobs/second").json();
        assertEquals("queued", st.get("status").getAsString());
        assertEquals(1, st.get("queue_position").getAsInt());
        JsonObject running = http.get("/v1/sprint/jobs/first").json();
        assertEquals("running", running.get("status").getAsString());
        assertEquals("first", running.get("label").getAsString());
        String firstId = running.get("id").getAsString();
        assertEquals("running", http.get("/v1/sprint/jobs/" + firstId).json().get("status").getAsString(), "found by its id too");
        assertEquals(1, running.get("batch_size").getAsInt());
        assertError(http.post("/v1/images/generations", body(""), SprintServer.JOB_HEADER, "first"), 400, "invalid_request_error",
                SprintServer.JOB_HEADER, "duplicate_id"); // a label its owner already uses
        assertError(http.post("/v1/images/generations", body(""), SprintServer.JOB_HEADER, "bad id!"), 400, "invalid_request_error",
                SprintServer.JOB_HEADER, "invalid_value");
        assertTrue(http.delete("/v1/sprint/jobs/second").json().get("cancelled").getAsBoolean());
        assertError(Http.join(second), 409, "invalid_request_error", null, "request_cancelled");
        fake.open();
        Http.Response ok = Http.join(first);
        assertEquals(200, ok.status());
        String id = ok.header(SprintServer.JOB_HEADER);
        assertTrue(id.matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}"), "the server issues a random UUID, not the label: " + id);
        assertEquals(id, ok.json().getAsJsonObject("sprint").get("job_id").getAsString());
        assertTrue(fake.calls.stream().noneMatch(c -> c.prompts().contains("the second")), "the cancelled request never ran");
    }

    @Test
    void metricsShowQueueBatchesImagesAndErrors() {
        start(builder());
        fake.open();
        assertEquals(200, http.post("/v1/images/generations", body("\"n\": 2")).status());
        assertEquals(400, http.post("/v1/images/generations", "{\"prompt\": \"BAD\"}").status());
        Http.Response m = http.get("/metrics");
        assertEquals(200, m.status());
        assertTrue(m.header("Content-Type").startsWith("text/plain"), m.header("Content-Type"));
        String text = m.body();
        for (String metric : new String[] {"sprint_queue_depth ", "sprint_batches_running ", "sprint_images_generated_total 2.0",
                "sprint_request_seconds_count{outcome=\"success\"} 1", "sprint_request_seconds_count{outcome=\"invalid_request\"} 1",
                "sprint_errors_total{type=\"invalid_request\"} 1.0", "sprint_batch_images_count", "sprint_queue_wait_seconds_bucket",
                "sprint_stage_seconds_count{stage=\"total\"}", "sprint_http_requests_seconds_count{method=\"POST\",route=\"/v1/images/generations\",status=\"200\"} 1",
                "jvm_memory_used_bytes"}) {
            assertTrue(text.contains(metric), "missing " + metric + " in\n" + text);
        }
    }

    @Test
    void modelsListTheServedModel() {
        start(builder());
        JsonObject list = http.get("/v1/models").json();
        assertEquals("list", list.get("object").getAsString());
        JsonObject m = list.getAsJsonArray("data").get(0).getAsJsonObject();
        assertEquals("tiny", m.get("id").getAsString());
        assertEquals("model", m.get("object").getAsString());
        assertTrue(m.get("created").getAsLong() > 1_600_000_000L);
        assertEquals("sprint", m.get("owned_by").getAsString());
        assertEquals("ready", m.getAsJsonObject("sprint").get("status").getAsString());
        assertEquals("tiny", http.get("/v1/models/tiny").json().get("id").getAsString());
        assertTrue(http.get("/").body().contains("<title>Sprint</title>"));
    }

    @Test
    void closeFinishesTheRequestInFlightAndRefusesNewOnes() throws Exception {
        start(builder());
        CompletableFuture<Http.Response> inFlight = http.postAsync("/v1/images/generations", body(""));
        Await.until(() -> fake.calls.size() == 1, "the request to run");
        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        Await.until(() -> http.get("/health/ready").status() == 503, "readiness to drop");
        assertError(http.post("/v1/images/generations", body("")), 503, "server_error", null, "shutting_down");
        fake.open();
        assertEquals(200, Http.join(inFlight).status(), "the request in flight completes");
        closing.get(30, TimeUnit.SECONDS);
    }
}
