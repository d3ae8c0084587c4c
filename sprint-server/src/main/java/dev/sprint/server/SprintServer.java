package dev.sprint.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.SprintException;
import io.javalin.Javalin;
import io.javalin.config.SizeUnit;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.UploadedFile;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP server that speaks OpenAI's Images API over an {@link ImageService}: {@code POST /v1/images/generations},
 * {@code POST /v1/images/edits} (img2img), {@code GET /v1/models}, {@code GET /health/live}, {@code GET /health/ready},
 * {@code GET /metrics} (Prometheus), a web page at {@code /}, and {@code GET|DELETE /v1/sprint/jobs/{id}} (status
 * and cancel of a request by the id the server gave it, or by the label its caller sent in {@code X-Sprint-Job-Id}).
 *
 * <p>Closed by default (docs/security.md): it binds loopback and refuses another interface without API keys
 * ({@link Builder#apiKeys}, {@link ApiKeys}); Host, Origin and content types are checked and security headers
 * set ({@link RequestPolicy}); a request's work is bounded ({@link WorkBudget}); jobs belong to their key
 * ({@link JobRegistry}) and are cancelled when their client hangs up ({@link ClientDisconnects}); slow clients
 * are dropped ({@link HeaderDeadline}, Jetty's minimum data rate and idle timeout).
 *
 * <p>{@code "stream": true} answers OpenAI's image streaming events ({@link ImageStreamHandler}); the header
 * {@code Prefer: respond-async} answers 202 with a job to poll at {@code GET /v1/sprint/jobs/{id}} ({@link AsyncJobs});
 * {@code response_format: url} links images kept in a bounded, expiring store at {@code GET /v1/sprint/images/{token}}
 * ({@link ImageStore}). Streamed and async requests pass the same key, budget and per-key checks as the others, and
 * their jobs and stored images belong to the caller's API key ({@link #OWNER_ATTRIBUTE}): another key gets 404.
 *
 * <p>The HTTP port opens at once; the model loads and warms up in the background (readiness 503, image endpoints
 * 503 with {@code code: model_loading} meanwhile). Errors have OpenAI's shape
 * {@code {"error": {"message", "type", "param", "code"}}}: 400 for every invalid request, 401 without a valid
 * key, 403 foreign Host or Origin, 404 unknown model, route or job, 408 a body sent too slowly, 413 body too large,
 * 415 wrong content type, 429 + {@code Retry-After} full queue or too many requests of one key, 503 loading or
 * shutting down, 504 deadline, 500 otherwise (with an error id; the details go to the log). {@link #close()} stops taking requests, lets queued and running ones finish, then stops.
 *
 * <pre>{@code
 * try (SprintServer server = SprintServer.builder()
 *         .pipeline(() -> Pipeline.builder().model("/models/sana-sprint").build())
 *         .port(8080).build().start()) {
 *     server.awaitReady(Duration.ofMinutes(5));
 *     ...
 * }
 * }</pre>
 */
public final class SprintServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SprintServer.class);
    private static final Logger ACCESS = LoggerFactory.getLogger("dev.sprint.server.access");
    /**
     * Response header with the job id the server gave a request; as a request header, a label by which the caller
     * (the same API key) can poll or cancel the request while it runs.
     */
    public static final String JOB_HEADER = "X-Sprint-Job-Id";
    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
    private static final String ACCESS_KEY = "sprint.access";
    /**
     * Request attribute holding the caller's identity: the owner id of its API key ({@link ApiKeys}), set before
     * every route that needs a key. Jobs, async jobs and stored images belong to it.
     */
    public static final String OWNER_ATTRIBUTE = "sprint.owner";
    /** Paths that need no API key and answer any Host: the page (it asks for the key) and the health checks. */
    private static final Set<String> OPEN = Set.of("/", "/health/live", "/health/ready");
    private static final Set<String> HEALTH = Set.of("/health/live", "/health/ready");

    private enum Phase { LOADING, READY, FAILED, STOPPING, STOPPED }

    private final Builder cfg;
    private final ImagesRequest.Limits limits;
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Javalin app;
    private final ExecutorService responses;
    private final ApiKeys keys;
    private final RequestPolicy policy;
    private final JobRegistry jobs;
    private final ClientDisconnects disconnects = new ClientDisconnects(Duration.ofMillis(100));
    private final String pageCsp;
    private volatile ServerConnector connector;
    private volatile HeaderDeadline headerDeadline;
    private volatile WorkBudget budget;
    private final AsyncJobs asyncJobs;
    private final ImageStore images;
    private final CountDownLatch settled = new CountDownLatch(1);
    private final String page;
    private volatile Phase phase = Phase.LOADING;
    private volatile Throwable loadError;
    private volatile Pipeline pipeline;
    private volatile ImageService service;
    private volatile ImagesRequest.Model model;
    private volatile Map<String, String> describe = Map.of();
    private volatile long loadedAt;
    private Thread loader;

    private SprintServer(Builder b) {
        cfg = b;
        limits = new ImagesRequest.Limits(b.maxBodyBytes, b.maxPromptChars, b.maxImages, b.maxPixels, b.maxTimesteps);
        keys = ApiKeys.of(b.apiKeys);
        policy = new RequestPolicy(b.allowedHosts, b.allowedOrigins);
        jobs = new JobRegistry(b.maxConcurrentPerKey);
        budget = new WorkBudget(b.maxWork, 1024L * 1024, 4);
        asyncJobs = new AsyncJobs(b.asyncJobs, b.asyncResultTtl, b.clock);
        images = new ImageStore(b.imageStoreBytes, b.imageTtl, b.clock);
        new JvmMemoryMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        AtomicInteger n = new AtomicInteger();
        responses = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "sprint-http-encode-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        page = resource("web/index.html");
        pageCsp = RequestPolicy.pageCsp(page);
        app = Javalin.create(c -> {
            c.showJavalinBanner = false;
            c.startupWatcherEnabled = false;
            c.http.maxRequestSize = b.maxBodyBytes;
            c.http.prefer405over404 = true;
            c.jetty.multipartConfig.maxFileSize(b.maxBodyBytes, SizeUnit.BYTES);
            c.jetty.multipartConfig.maxTotalRequestSize(b.maxBodyBytes, SizeUnit.BYTES);
            c.jetty.multipartConfig.maxInMemoryFileSize((int) Math.min(Integer.MAX_VALUE, b.maxBodyBytes), SizeUnit.BYTES);
            c.jetty.modifyServer(server -> server.setStopTimeout(10_000));
            c.jetty.addConnector((server, http) -> {
                // a request body slower than this is cut off (408): a slow sender cannot hold a thread for long
                http.setMinRequestDataRate(b.minRequestDataRate);
                http.setSendServerVersion(false);
                ServerConnector c2 = new ServerConnector(server, new HttpConnectionFactory(http));
                c2.setHost(b.host);
                c2.setPort(b.port);
                // bounds each silent wait for request bytes; a request waiting for its image is not idle-timed
                // (Jetty does not time out a suspended request that has no read or write pending)
                c2.setIdleTimeout(b.idleTimeout.toMillis());
                connector = c2;
                return c2;
            });
            c.requestLogger.http(this::logRequest);
        });
        routes();
    }

    /** A builder; set at least {@link Builder#pipeline}. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------------------------------ life cycle

    /** Opens the HTTP port and starts loading the model in the background. */
    public SprintServer start() {
        app.start();
        headerDeadline = new HeaderDeadline(connector, cfg.headerTimeout);
        LOG.info("Sprint server listening on {} (model '{}' loading)", url(), cfg.modelName);
        loader = new Thread(this::load, "sprint-model-loader");
        loader.setDaemon(true);
        loader.start();
        return this;
    }

    /** The port bound (useful with port 0). */
    public int port() {
        return app.port();
    }

    /** http://host:port */
    public String url() {
        String host = cfg.host.contains(":") ? "[" + cfg.host + "]" : cfg.host;
        return "http://" + host + ":" + port();
    }

    /** Whether the model is loaded, warmed up and taking requests. */
    public boolean isReady() {
        return phase == Phase.READY;
    }

    /**
     * Waits until the model is loaded and warmed.
     *
     * @throws SprintException the load's own error if it failed, or a timeout
     */
    public void awaitReady(Duration timeout) {
        try {
            if (!settled.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new SprintException("the model was not ready after " + timeout.toSeconds() + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SprintException("interrupted while waiting for the model");
        }
        Throwable e = loadError;
        if (e instanceof SprintException s) throw s;
        if (e != null) throw new SprintException("the model failed to load: " + e, e);
        if (phase != Phase.READY) throw new ServiceClosedException("the server is stopping");
    }

    /** The service behind the API, or null before the model is loaded. */
    public ImageService service() {
        return service;
    }

    /** The Prometheus registry {@code /metrics} shows. */
    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    private void load() {
        Pipeline p = null;
        try {
            long t0 = System.nanoTime();
            p = cfg.pipeline.get();
            Map<String, String> d = p.describe();
            LOG.info("model loaded in {} ms: {}", Math.round((System.nanoTime() - t0) / 1e6), d);
            if (cfg.warmup) {
                long t1 = System.nanoTime();
                GenerationResult warm = p.generate(warmupRequest());
                LOG.info("warm-up generation took {} ms", Math.round((System.nanoTime() - t1) / 1e6));
                if (!warm.images().isEmpty()) { // the model's defaults, for the work a request without size or steps buys
                    GeneratedImage img = warm.images().get(0);
                    long pixels = cfg.warmupWidth > 0 ? budget.defaultPixels() : (long) img.width() * img.height();
                    budget = new WorkBudget(cfg.maxWork, pixels, Math.max(1, img.provenance().steps()));
                }
            }
            ImageService s = ImageService.builder(p).maxBatch(cfg.maxBatch).batchWindow(cfg.batchWindow)
                    .queueCapacity(cfg.queueCapacity).timeout(cfg.requestTimeout).shutdownGrace(cfg.shutdownGrace)
                    .meterRegistry(registry).build();
            synchronized (this) {
                if (phase != Phase.LOADING) { // closed while loading
                    s.shutdown(Duration.ZERO);
                    p.close();
                    return;
                }
                pipeline = p;
                describe = PublicText.description(d);
                model = capabilities(cfg.modelName, d);
                service = s;
                loadedAt = Instant.now().getEpochSecond();
                phase = Phase.READY;
            }
            LOG.info("ready: {} (max batch {}, window {} ms, queue {})", url(), cfg.maxBatch, cfg.batchWindow.toMillis(),
                    cfg.queueCapacity);
        } catch (Throwable e) {
            LOG.error("the model could not be loaded: {}", PublicText.withoutQueries(e.toString()));
            if (!(e instanceof SprintException)) LOG.debug("load failure", e);
            loadError = e;
            synchronized (this) {
                if (phase == Phase.LOADING) phase = Phase.FAILED;
            }
            if (p != null) p.close();
        } finally {
            settled.countDown();
        }
    }

    private GenerationRequest warmupRequest() {
        GenerationRequest.Builder b = GenerationRequest.builder().prompt("warm-up").seed(0);
        if (cfg.warmupWidth > 0) b.size(cfg.warmupWidth, cfg.warmupHeight).resolutionBinning(false);
        return b.build();
    }

    /** What the web page and request checks need to know of a model, from its pipeline class. */
    static ImagesRequest.Model capabilities(String name, Map<String, String> describe) {
        String cls = describe.getOrDefault("pipeline", "");
        boolean sanaSprint = cls.startsWith("SanaSprint"); // embedded guidance (no CFG), TrigFlow img2img
        return new ImagesRequest.Model(name, !sanaSprint, sanaSprint);
    }

    /**
     * Graceful stop: readiness goes 503 and new requests are refused; queued and running requests finish (up to
     * the shutdown grace, then they fail with 503); in-flight responses are written; the model is closed.
     */
    @Override
    public void close() {
        synchronized (this) {
            if (phase == Phase.STOPPING || phase == Phase.STOPPED) return;
            phase = Phase.STOPPING;
        }
        LOG.info("Sprint server stopping");
        ImageService s = service;
        if (s != null) s.shutdown(cfg.shutdownGrace);
        try {
            app.stop();
        } catch (RuntimeException e) {
            LOG.warn("HTTP server did not stop cleanly: {}", e.toString());
        }
        HeaderDeadline hd = headerDeadline;
        if (hd != null) hd.close();
        disconnects.close();
        responses.shutdown();
        try {
            if (!responses.awaitTermination(10, TimeUnit.SECONDS)) responses.shutdownNow();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Pipeline p = pipeline;
        if (p != null) p.close();
        gcMetrics.close();
        registry.close();
        phase = Phase.STOPPED;
        LOG.info("Sprint server stopped");
    }

    // ------------------------------------------------------------------------------------------ routes

    private void routes() {
        app.before(this::guard);
        app.get("/", ctx -> ctx.html(page));
        app.get("/health/live", ctx -> json(ctx, 200, obj("status", "live")));
        app.get("/health/ready", ctx -> {
            Phase ph = phase;
            JsonObject o = obj("status", ph.name().toLowerCase(Locale.ROOT));
            if (ph == Phase.FAILED) o.addProperty("error", "the model failed to load; the server log has the details");
            if (ph == Phase.READY) o.addProperty("model", cfg.modelName);
            json(ctx, ph == Phase.READY ? 200 : 503, o);
        });
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(registry.scrape()));
        app.get("/v1/models", ctx -> {
            JsonObject list = obj("object", "list");
            JsonArray data = new JsonArray();
            data.add(modelJson());
            list.add("data", data);
            json(ctx, 200, list);
        });
        app.get("/v1/models/{id}", ctx -> {
            if (!ctx.pathParam("id").equals(cfg.modelName)) {
                throw new ApiError(404, ApiError.INVALID_REQUEST, "The model '" + ctx.pathParam("id") + "' does not exist; this server serves '"
                        + cfg.modelName + "'.", "model", "model_not_found", 0);
            }
            json(ctx, 200, modelJson());
        });
        app.post("/v1/images/generations", ctx -> {
            ImageService s = ready();
            ImagesRequest call = ImagesRequest.generations(readJson(ctx), limits, model);
            submit(ctx, s, call);
        });
        app.post("/v1/images/edits", ctx -> {
            ImageService s = ready();
            submit(ctx, s, readEdit(ctx));
        });
        app.get("/v1/sprint/jobs/{id}", ctx -> {
            AsyncJobs.Entry async = asyncJob(ctx);
            if (async != null) {
                json(ctx, 200, asyncStatus(ctx.pathParam("id"), async));
                return;
            }
            JobRegistry.Found f = jobs.find(owner(ctx), ctx.pathParam("id"));
            JobStatus st = f.job().status();
            JsonObject o = obj("id", f.id());
            o.addProperty("label", f.label());
            o.addProperty("status", statusName(st.state()));
            o.addProperty("queue_position", st.queuePosition());
            o.addProperty("batch_size", st.batchSize());
            o.addProperty("stage", st.stage());
            o.addProperty("step", st.step());
            o.addProperty("steps", st.steps());
            json(ctx, 200, o);
        });
        app.delete("/v1/sprint/jobs/{id}", ctx -> {
            AsyncJobs.Entry async = asyncJob(ctx);
            JsonObject o;
            if (async != null) {
                o = obj("id", ctx.pathParam("id"));
                o.addProperty("cancelled", async.job.cancel(false));
            } else {
                JobRegistry.Found f = jobs.find(owner(ctx), ctx.pathParam("id"));
                o = obj("id", f.id());
                o.addProperty("label", f.label());
                o.addProperty("cancelled", f.job().cancel(false));
            }
            json(ctx, 200, o);
        });

        app.get("/v1/sprint/images/{token}", ctx -> {
            ImageStore.Entry e = images.get(ctx.pathParam("token"), owner(ctx));
            if (e == null) {
                throw new ApiError(404, ApiError.INVALID_REQUEST, "No such image: it expired, was never stored, or the store"
                        + " made room for newer ones.", "token", "image_not_found", 0);
            }
            long left = Math.max(0, Duration.between(cfg.clock.instant(), e.expires()).toSeconds());
            ctx.header("Cache-Control", "private, max-age=" + left).contentType(e.contentType()).result(e.bytes());
        });

        app.exception(ApiError.class, (e, ctx) -> error(ctx, e));
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, httpError(e.getStatus(), ctx, e.getMessage())));
        app.exception(Exception.class, (e, ctx) -> error(ctx, ApiError.forClient(e, LOG, ctx.method() + " " + ctx.path())));
        for (int status : new int[] {404, 405}) {
            app.error(status, ctx -> {
                if (ctx.attribute(ACCESS_KEY + ".error") == null) error(ctx, httpError(status, ctx, null));
            });
        }
    }

    /** Javalin's own HTTP errors (no route, wrong method, body too large) in OpenAI's shape. */
    private ApiError httpError(int status, Context ctx, String message) {
        return switch (status) {
            case 404 -> new ApiError(404, ApiError.INVALID_REQUEST, "Invalid URL (" + ctx.method() + " " + ctx.path() + ")", null,
                    "unknown_url", 0);
            case 405 -> new ApiError(405, ApiError.INVALID_REQUEST, "Method " + ctx.method() + " is not allowed on " + ctx.path(),
                    null, "method_not_allowed", 0);
            case 413 -> new ApiError(413, ApiError.INVALID_REQUEST, "The request body is larger than this server's limit of "
                    + cfg.maxBodyBytes + " bytes.", null, "request_too_large", 0);
            default -> new ApiError(status, status >= 500 ? ApiError.SERVER_ERROR : ApiError.INVALID_REQUEST,
                    message == null ? "HTTP " + status : message, null, null, 0);
        };
    }

    private ImageService ready() {
        Phase ph = phase;
        if (ph == Phase.READY) return service;
        if (ph == Phase.LOADING) {
            throw new ApiError(503, ApiError.SERVER_ERROR, "The model '" + cfg.modelName + "' is loading; retry shortly.", null,
                    "model_loading", 5);
        }
        if (ph == Phase.FAILED) {
            throw new ApiError(503, ApiError.SERVER_ERROR, "The model '" + cfg.modelName + "' failed to load; the server log has the"
                    + " details.", null, "model_unavailable", 0);
        }
        throw new ApiError(503, ApiError.SERVER_ERROR, "The server is shutting down.", null, "shutting_down", 0);
    }

    /**
     * Before every route: security headers; then, except for the health checks, the Host and Origin policy;
     * then, except for the page, the health checks and CORS preflights, the API key.
     */
    private void guard(Context ctx) {
        String path = ctx.path();
        RequestPolicy.securityHeaders(ctx, path.equals("/") ? pageCsp : RequestPolicy.API_CSP);
        if (HEALTH.contains(path)) return;
        String host = ctx.header("Host");
        policy.checkHost(host);
        String origin = ctx.header("Origin");
        boolean cors = policy.checkOrigin(origin, host);
        if (cors) RequestPolicy.corsHeaders(ctx, origin);
        if (ctx.method() == HandlerType.OPTIONS) { // a CORS preflight: answered here, for every path
            if (!cors) {
                throw new ApiError(403, ApiError.INVALID_REQUEST, "CORS preflight from an origin that is not allowed.", null,
                        "origin_not_allowed", 0);
            }
            RequestPolicy.preflight(ctx, origin);
            ctx.skipRemainingHandlers();
            return;
        }
        if (OPEN.contains(path)) return;
        ctx.attribute(OWNER_ATTRIBUTE, keys.authenticate(ctx.header("Authorization")));
    }

    /**
     * Who sent the request: the owner id of its API key ({@link ApiKeys}, via {@link #OWNER_ATTRIBUTE}), to which
     * its jobs, async jobs and stored images belong.
     */
    private String owner(Context ctx) {
        String o = ctx.attribute(OWNER_ATTRIBUTE);
        return o == null ? ApiKeys.ANONYMOUS : o;
    }

    /** The caller's async job under the path's id; another owner's job is a 404 like an unknown one. */
    private AsyncJobs.Entry asyncJob(Context ctx) {
        String id = ctx.pathParam("id");
        if (!asyncJobs.contains(id)) return null;
        AsyncJobs.Entry e = asyncJobs.get(id, owner(ctx));
        if (e == null) {
            throw new ApiError(404, ApiError.INVALID_REQUEST, "No request with id '" + id + "' is queued or running.", "id",
                    "job_not_found", 0);
        }
        return e;
    }

    /** Status names of the job API: OpenAI's batch words, succeeded for done. */
    static String statusName(JobStatus.State s) {
        return s == JobStatus.State.DONE ? "succeeded" : s.name().toLowerCase(Locale.ROOT);
    }

    /** An async job's status; once finished, with the synchronous call's body (or its error) merged in. */
    private static JsonObject asyncStatus(String id, AsyncJobs.Entry e) {
        JsonObject o = obj("id", id);
        o.addProperty("object", "sprint.job");
        JsonObject result = e.result();
        JobStatus st = e.job.status();
        o.addProperty("status", result == null && st.state() != JobStatus.State.QUEUED ? "running" : statusName(st.state()));
        o.addProperty("created_at", e.created.getEpochSecond());
        if (result == null) {
            o.addProperty("queue_position", st.queuePosition());
            o.addProperty("batch_size", st.batchSize());
            o.addProperty("stage", st.stage());
            o.addProperty("step", st.step());
            o.addProperty("steps", st.steps());
        } else {
            result.entrySet().forEach(en -> o.add(en.getKey(), en.getValue()));
        }
        return o;
    }

    /**
     * The name a model is shown by to clients: a folder's name for a local path (never the path: it says how
     * the machine is laid out), a Hugging Face repo id as given.
     */
    public static String publicModelName(String model) {
        return PublicText.modelName(model);
    }

    private JsonObject modelJson() {
        JsonObject m = obj("id", cfg.modelName);
        m.addProperty("object", "model");
        m.addProperty("created", loadedAt);
        m.addProperty("owned_by", "sprint");
        JsonObject sprint = new JsonObject();
        sprint.addProperty("status", phase.name().toLowerCase(Locale.ROOT));
        describe.forEach(sprint::addProperty);
        ImagesRequest.Model caps = model;
        if (caps != null) {
            sprint.addProperty("negative_prompt", caps.negativePrompt());
            sprint.addProperty("img2img", caps.img2img());
        }
        sprint.addProperty("max_batch", cfg.maxBatch);
        sprint.addProperty("queue_capacity", cfg.queueCapacity);
        sprint.addProperty("max_images", cfg.maxImages);
        sprint.addProperty("max_pixels", cfg.maxPixels);
        sprint.addProperty("max_work", cfg.maxWork);
        m.add("sprint", sprint);
        return m;
    }

    // ------------------------------------------------------------------------------------------ images

    /** Mutable per-request facts for the access log line. */
    private static final class Access {
        String job;
        GenerationRequest request;
        ImageJob submitted;
        String error;
        String user;
    }

    private static Access access(Context ctx) {
        Access a = ctx.attribute(ACCESS_KEY);
        if (a == null) {
            a = new Access();
            ctx.attribute(ACCESS_KEY, a);
        }
        return a;
    }

    private void submit(Context ctx, ImageService s, ImagesRequest call) {
        boolean async = prefersAsync(ctx);
        if (async && call.stream()) {
            throw ApiError.invalid("'stream': true and 'Prefer: respond-async' exclude each other: a stream is already asynchronous.",
                    "stream", "invalid_value");
        }
        boolean canPreview = !"none".equals(describe.getOrDefault("preview", "none"));
        // a stream's previews from the model's own VAE cost about one decode per step: counted as one more step each
        budget.check(call.request(), call.stream() && call.partialImages() > 0 && "vae".equals(describe.get("preview")));
        String label = ctx.header(JOB_HEADER);
        String owner = owner(ctx);
        String id = jobs.reserve(owner, label == null || label.isBlank() ? null : label);
        Access a = access(ctx);
        a.job = id;
        a.request = call.request();
        a.user = call.user();
        ImageStreamHandler stream = call.stream() ? new ImageStreamHandler(ctx, call, responses,
                ctx.path().endsWith("/edits") ? "image_edit" : "image_generation", publicModel()) : null;
        ImageJob job;
        try {
            job = stream != null ? stream.submit(s, cfg.requestTimeout, canPreview)
                    : s.submit(call.request(), cfg.requestTimeout);
        } catch (RuntimeException e) {
            jobs.release(id);
            throw e;
        }
        jobs.attach(id, job);
        a.submitted = job;
        ctx.header(JOB_HEADER, id);
        ClientDisconnects.Watch watch = async ? null : disconnects.watch(ctx.req(), job, id);
        if (stream != null) {
            // the watch may read bytes of a pipelined next request, which a stream cannot answer with Connection: close
            // once its headers are out: a stream's connection closes at its end
            ctx.header("Connection", "close");
            stream.start(job, id, () -> {
                jobs.release(id);
                watch.stop();
            });
            return;
        }
        String origin = origin(ctx);
        if (async) {
            AsyncJobs.Entry entry;
            try {
                entry = asyncJobs.add(id, owner, job);
            } catch (ApiError e) {
                job.cancel(false);
                jobs.release(id);
                throw e;
            }
            job.handleAsync((result, error) -> {
                jobs.release(id);
                JsonObject body;
                try {
                    body = error != null ? failure(id, error) : imagesResponse(call, job, result, id, owner, origin);
                } catch (RuntimeException e) {
                    body = failure(id, e);
                }
                asyncJobs.finish(entry, body);
                return null;
            }, responses);
            JsonObject accepted = obj("id", id);
            accepted.addProperty("object", "sprint.job");
            accepted.addProperty("status", "queued");
            ctx.header("Location", "/v1/sprint/jobs/" + id).header("Preference-Applied", "respond-async");
            json(ctx, 202, accepted);
            return;
        }
        // the response is encoded on another thread: never on the worker, which must go on to the next batch
        ctx.future(() -> job.handleAsync((result, error) -> {
            jobs.release(id);
            if (watch.stop()) ctx.header("Connection", "close");
            if (error != null) {
                error(ctx, ApiError.forClient(error, LOG, id));
            } else {
                try {
                    json(ctx, 200, imagesResponse(call, job, result, id, owner, origin));
                } catch (RuntimeException e) {
                    error(ctx, ApiError.forClient(e, LOG, id + " (encoding the response)"));
                }
            }
            return null;
        }, responses));
    }

    /** The model's public name as the images' provenance shows it. */
    private String publicModel() {
        return describe.getOrDefault("model", cfg.modelName);
    }

    /** Whether the request says {@code Prefer: respond-async} (RFC 7240: comma-separated preferences, any case). */
    private static boolean prefersAsync(Context ctx) {
        for (String header : ctx.req().getHeaders("Prefer") == null ? java.util.Collections.<String>emptyList()
                : java.util.Collections.list(ctx.req().getHeaders("Prefer"))) {
            for (String pref : header.split(",")) {
                if (pref.split(";")[0].trim().equalsIgnoreCase("respond-async")) return true;
            }
        }
        return false;
    }

    /** scheme://host[:port] the client used, for the links of response_format url. */
    private String origin(Context ctx) {
        String host = ctx.host();
        return host == null || host.isBlank() ? url() : ctx.scheme() + "://" + host;
    }

    /** A failed async job's result: OpenAI's error object (no internals; the details go to the log). */
    private static JsonObject failure(String id, Throwable error) {
        return ApiError.forClient(error, LOG, id).body();
    }

    private JsonObject imagesResponse(ImagesRequest call, ImageJob job, GenerationResult r, String id, String owner, String origin) {
        JsonObject out = new JsonObject();
        out.addProperty("created", Instant.now().getEpochSecond());
        JsonArray data = new JsonArray();
        List<GeneratedImage> images = r.images();
        for (int i = 0; i < images.size(); i++) {
            JsonObject d = new JsonObject();
            GeneratedImage img = ImageEncoding.withModel(images.get(i), publicModel());
            byte[] encoded = ImageEncoding.encode(img, call.outputFormat(), call.compression());
            if (call.url()) {
                d.addProperty("url", origin + "/v1/sprint/images/" + this.images.put(owner, encoded, "image/" + call.outputFormat()));
            } else {
                d.addProperty("b64_json", Base64.getEncoder().encodeToString(encoded));
            }
            d.addProperty("seed", job.seeds().get(i));
            data.add(d);
        }
        out.add("data", data);
        out.addProperty("output_format", call.outputFormat());
        if (!images.isEmpty()) out.addProperty("size", images.get(0).width() + "x" + images.get(0).height());
        out.add("sprint", sprintInfo(job, r, id));
        return out;
    }

    /** Sprint's extras of a response: job id, batch size, queue and stage milliseconds. */
    static JsonObject sprintInfo(ImageJob job, GenerationResult r, String id) {
        JsonObject sprint = new JsonObject();
        sprint.addProperty("job_id", id);
        sprint.addProperty("batch_size", job.status().batchSize());
        sprint.addProperty("queue_ms", round(job.queueMs()));
        JsonObject timings = new JsonObject();
        r.timingsMs().forEach((k, v) -> timings.addProperty(k, round(v)));
        sprint.add("timings_ms", timings);
        return sprint;
    }

    private ImagesRequest readEdit(Context ctx) {
        RequestPolicy.requireMultipart(ctx.contentType());
        tooLarge(ctx.req().getContentLengthLong(), cfg.maxBodyBytes);
        Map<String, List<UploadedFile>> files;
        Map<String, List<String>> form = new LinkedHashMap<>();
        try {
            files = ctx.uploadedFileMap();
            ctx.formParamMap().forEach((k, v) -> {
                if (!v.isEmpty()) form.put(k, v); // file parts come back as empty lists
            });
        } catch (RuntimeException e) {
            String msg = String.valueOf(e.getMessage()) + (e.getCause() == null ? "" : " " + e.getCause().getMessage());
            if (msg.contains("exceeds") || msg.contains("too large") || msg.contains("Too large")) tooLarge(Long.MAX_VALUE, cfg.maxBodyBytes);
            LOG.debug("unreadable multipart body: {}", msg);
            throw ApiError.invalid("The multipart/form-data body could not be read (malformed, incomplete or too slow).", null,
                    "invalid_multipart");
        }
        List<UploadedFile> image = new ArrayList<>();
        for (Map.Entry<String, List<UploadedFile>> e : files.entrySet()) {
            switch (e.getKey()) {
                case "image", "image[]" -> image.addAll(e.getValue());
                case "mask" -> throw ApiError.invalid("Masks (inpainting) are not supported; an edit here is img2img of the whole image.",
                        "mask", "unsupported_value");
                default -> throw ApiError.invalid("Unknown parameter: '" + e.getKey() + "'.", e.getKey(), "unknown_parameter");
            }
        }
        if (image.isEmpty()) throw ApiError.invalid("Missing required parameter: 'image'.", "image", "missing_required_parameter");
        if (image.size() > 1) throw ApiError.invalid("Give one input image; got " + image.size() + ".", "image", "invalid_value");
        try (InputStream in = image.get(0).content()) {
            return ImagesRequest.edits(form, ImageEncoding.decode(in, cfg.maxPixels, "image"), limits, model);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private JsonObject readJson(Context ctx) {
        RequestPolicy.requireJson(ctx.contentType());
        tooLarge(ctx.req().getContentLengthLong(), cfg.maxJsonBytes);
        byte[] body;
        try {
            body = readBounded(ctx.req().getInputStream(), cfg.maxJsonBytes);
        } catch (IOException e) {
            LOG.debug("unreadable request body: {}", e.toString());
            throw ApiError.invalid("The request body could not be read (incomplete or too slow).", null, null);
        }
        JsonElement e;
        try {
            JsonReader reader = new JsonReader(new InputStreamReader(new ByteArrayInputStream(body), StandardCharsets.UTF_8));
            reader.setStrictness(Strictness.STRICT);
            e = JsonParser.parseReader(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) throw new JsonParseException("trailing data after the JSON value");
        } catch (JsonParseException | IOException | IllegalStateException ex) {
            throw ApiError.invalid("We could not parse the JSON body of your request. (The body must be a JSON object; " + ex.getMessage()
                    + ")", null, "invalid_json");
        }
        if (!e.isJsonObject()) throw ApiError.invalid("The request body must be a JSON object.", null, "invalid_json");
        return e.getAsJsonObject();
    }

    private static void tooLarge(long length, long max) {
        if (length > max) {
            throw new ApiError(413, ApiError.INVALID_REQUEST, "The request body is larger than this server's limit of "
                    + max + " bytes.", null, "request_too_large", 0);
        }
    }

    private static byte[] readBounded(InputStream in, long max) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        long total = 0;
        for (int r; (r = in.read(buf)) > 0; ) {
            total += r;
            tooLarge(total, max);
            out.write(buf, 0, r);
        }
        return out.toByteArray();
    }

    // ------------------------------------------------------------------------------------------ responses, log

    private static void json(Context ctx, int status, JsonObject body) {
        ctx.status(status).contentType("application/json").result(GSON.toJson(body));
    }

    private static void error(Context ctx, ApiError e) {
        ctx.attribute(ACCESS_KEY + ".error", e.code == null ? e.type : e.code);
        if (e.retryAfterSeconds > 0) ctx.header("Retry-After", Long.toString(e.retryAfterSeconds));
        if (e.status == 401) ctx.header("WWW-Authenticate", "Bearer");
        access(ctx).error = e.code == null ? e.type : e.code;
        json(ctx, e.status, e.body());
    }

    private static JsonObject obj(String key, String value) {
        JsonObject o = new JsonObject();
        o.addProperty(key, value);
        return o;
    }

    private static double round(double v) {
        return Double.isFinite(v) ? Math.round(v * 10) / 10.0 : 0;
    }

    /** One line per API request (not for health, metrics or the page), and the HTTP timer for every request. */
    private void logRequest(Context ctx, Float ms) {
        String route;
        try {
            route = ctx.endpointHandlerPath();
        } catch (RuntimeException e) {
            route = "unmatched";
        }
        Timer.builder("sprint.http.requests").description("HTTP requests by route and status")
                .tag("method", ctx.method().name()).tag("route", route).tag("status", Integer.toString(ctx.statusCode()))
                .register(registry).record(Duration.ofNanos((long) (ms * 1e6)));
        if (!ctx.path().startsWith("/v1/images")) return;
        Access a = access(ctx);
        StringBuilder line = new StringBuilder();
        line.append(ctx.method()).append(' ').append(ctx.path()).append(' ').append(ctx.statusCode());
        if (a.job != null) line.append(" id=").append(a.job);
        GenerationRequest r = a.request;
        if (r != null) {
            line.append(" size=").append(r.width() == null ? "default" : r.width() + "x" + r.height())
                    .append(" steps=").append(r.steps() == null ? "default" : r.steps())
                    .append(" n=").append(r.imagesPerPrompt());
        }
        ImageJob j = a.submitted;
        if (j != null) {
            line.append(" batch=").append(j.status().batchSize())
                    .append(" queue_ms=").append(Double.isNaN(j.queueMs()) ? "-" : Long.toString(Math.round(j.queueMs())));
        }
        line.append(" total_ms=").append(Math.round(ms));
        if (a.error != null) line.append(" error=").append(a.error);
        if (a.user != null) line.append(" user=").append(a.user.replaceAll("[^A-Za-z0-9_.@-]", "_"));
        ACCESS.info(line.toString());
    }

    private static String resource(String name) {
        try (InputStream in = SprintServer.class.getResourceAsStream(name)) {
            if (in == null) throw new SprintException("sprint-server is packaged without its resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new SprintException("cannot read the resource " + name + " of sprint-server: " + e.getMessage(), e);
        }
    }

    // ------------------------------------------------------------------------------------------ builder

    /** Settings of a {@link SprintServer}; all but the pipeline have defaults. */
    public static final class Builder {
        private Supplier<Pipeline> pipeline;
        private String modelName = "sprint";
        private String host = "127.0.0.1";
        private int port = 8080;
        private int maxBatch = 8;
        private Duration batchWindow = Duration.ofMillis(20);
        private int queueCapacity = 64;
        private Duration requestTimeout = Duration.ofMinutes(10);
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private long maxBodyBytes = 20L << 20;
        private int maxPromptChars = 32_000;
        private int maxImages = 10;
        private long maxPixels = 2048L * 2048;
        private boolean warmup = true;
        private int warmupWidth;
        private int warmupHeight;
        private final List<String> apiKeys = new ArrayList<>();
        private boolean insecureNoAuth;
        private final Set<String> allowedHosts = new LinkedHashSet<>();
        private final Set<String> allowedOrigins = new LinkedHashSet<>();
        private long maxWork = WorkBudget.DEFAULT_MAX_WORK;
        private int maxTimesteps = 64;
        private int maxConcurrentPerKey = 16;
        private long maxJsonBytes = 1L << 20;
        private Duration idleTimeout = Duration.ofSeconds(30);
        private Duration headerTimeout = Duration.ofSeconds(10);
        private long minRequestDataRate = 4096;
        private int asyncJobs = 256;
        private Duration asyncResultTtl = Duration.ofHours(1);
        private long imageStoreBytes = 256L << 20;
        private Duration imageTtl = Duration.ofHours(1);
        private java.time.Clock clock = java.time.Clock.systemUTC();

        private Builder() {}

        /**
         * API keys accepted as {@code Authorization: Bearer KEY} (adds to those given before). With at least one
         * key, {@code /v1/*} and {@code /metrics} need one; {@code /health/*} and the page stay open.
         */
        public Builder apiKeys(Collection<String> keys) {
            ApiKeys.of(keys); // refuses blank keys now, not at build
            apiKeys.addAll(keys);
            return this;
        }

        /** Keys from a file, one per line ({@code #} comments and blank lines skipped); adds to the others. */
        public Builder apiKeyFile(Path file) {
            return apiKeys(ApiKeys.readFile(file));
        }

        /** Allow binding a non-loopback interface without API keys (default false: {@link #build()} refuses). */
        public Builder insecureNoAuth(boolean v) {
            insecureNoAuth = v;
            return this;
        }

        /**
         * A host name requests may be addressed to besides {@code localhost} and IP literals, e.g. the public name
         * of a reverse proxy in front (a {@code Host} naming anything else is refused, against DNS rebinding).
         */
        public Builder allowHost(String name) {
            if (name == null || name.isBlank() || name.contains("/")) throw new InvalidRequestException("allowHost needs a host name, got " + name);
            allowedHosts.add(name.strip());
            return this;
        }

        /** A browser origin ({@code https://app.example.com}) allowed to call the API cross-site (CORS). */
        public Builder allowOrigin(String origin) {
            if (origin == null || !origin.strip().matches("(?i)https?://[^/\\s]+/?")) {
                throw new InvalidRequestException("allowOrigin needs scheme://host[:port], got " + origin);
            }
            allowedOrigins.add(origin);
            return this;
        }

        /**
         * Most work one request may ask for, in pixel-steps: width × height × images × steps (default 2^26 = 1024² ×
         * 4 images × 16 steps); more is a 400 naming this limit.
         */
        public Builder maxWork(long pixelSteps) {
            if (pixelSteps < 1) throw new InvalidRequestException("maxWork must be at least 1");
            maxWork = pixelSteps;
            return this;
        }

        /** Longest {@code timesteps} list a request may give (default 64). */
        public Builder maxTimesteps(int n) {
            if (n < 1) throw new InvalidRequestException("maxTimesteps must be at least 1");
            maxTimesteps = n;
            return this;
        }

        /** Requests one API key may have queued or running at once (default 16); more get 429. */
        public Builder maxConcurrentPerKey(int n) {
            if (n < 1) throw new InvalidRequestException("maxConcurrentPerKey must be at least 1");
            maxConcurrentPerKey = n;
            return this;
        }

        /** Largest JSON body (default 1 MiB); uploads for edits have {@link #maxBodyBytes}. */
        public Builder maxJsonBytes(long n) {
            if (n < 1024) throw new InvalidRequestException("maxJsonBytes must be at least 1024");
            maxJsonBytes = n;
            return this;
        }

        /** How long a connection may send nothing while a request is read or between requests (default 30 s). */
        public Builder idleTimeout(Duration t) {
            idleTimeout = InvalidRequestException.requirePositive(t, "idleTimeout");
            return this;
        }

        /** How long a client may take to send one request's headers (default 10 s); then the connection is closed. */
        public Builder headerTimeout(Duration t) {
            headerTimeout = InvalidRequestException.requirePositive(t, "headerTimeout");
            return this;
        }

        /** Slowest average rate a request body may arrive at, in bytes per second (default 4096); slower is cut off. */
        public Builder minRequestDataRate(long bytesPerSecond) {
            if (bytesPerSecond < 0) throw new InvalidRequestException("minRequestDataRate must not be negative");
            minRequestDataRate = bytesPerSecond;
            return this;
        }

        /** How to load the model; called once, on a background thread, after the port opens. The server closes it. */
        public Builder pipeline(Supplier<Pipeline> loader) {
            pipeline = Objects.requireNonNull(loader, "loader");
            return this;
        }

        /** The model id of {@code /v1/models} and of requests' {@code model} field (default "sprint"). */
        public Builder modelName(String name) {
            modelName = Objects.requireNonNull(name, "name");
            return this;
        }

        /** Interface to bind (default 127.0.0.1; 0.0.0.0 for every interface). */
        public Builder host(String h) {
            host = Objects.requireNonNull(h, "host");
            return this;
        }

        /** Port (default 8080; 0 picks a free one, see {@link SprintServer#port()}). */
        public Builder port(int p) {
            if (p < 0 || p > 65535) throw new InvalidRequestException("port must be 0..65535, got " + p);
            port = p;
            return this;
        }

        /** Images per batched forward pass at most (default 8; 1 = batching off). */
        public Builder maxBatch(int n) {
            if (n < 1) throw new InvalidRequestException("maxBatch must be at least 1, got " + n);
            maxBatch = n;
            return this;
        }

        /** How long the oldest waiting request waits for compatible ones (default 20 ms). */
        public Builder batchWindow(Duration w) {
            if (w.isNegative()) throw new InvalidRequestException("batchWindow must not be negative");
            batchWindow = w;
            return this;
        }

        /** Requests that may wait (default 64); beyond that 429. */
        public Builder queueCapacity(int n) {
            if (n < 1) throw new InvalidRequestException("queueCapacity must be at least 1, got " + n);
            queueCapacity = n;
            return this;
        }

        /** Deadline of each request, queued plus running (default 10 minutes); then 504. */
        public Builder requestTimeout(Duration t) {
            requestTimeout = InvalidRequestException.requirePositive(t, "requestTimeout");
            return this;
        }

        /** How long {@link SprintServer#close()} lets queued and running requests finish (default 30 s). */
        public Builder shutdownGrace(Duration g) {
            if (g.isNegative()) throw new InvalidRequestException("shutdownGrace must not be negative");
            shutdownGrace = g;
            return this;
        }

        /** Largest request body (default 20 MiB); larger is 413. */
        public Builder maxBodyBytes(long n) {
            if (n < 1024) throw new InvalidRequestException("maxBodyBytes must be at least 1024");
            maxBodyBytes = n;
            return this;
        }

        /** Longest prompt in characters (default 32000, as gpt-image-1). */
        public Builder maxPromptChars(int n) {
            if (n < 1) throw new InvalidRequestException("maxPromptChars must be at least 1");
            maxPromptChars = n;
            return this;
        }

        /** Largest {@code n} (default 10, as OpenAI). */
        public Builder maxImages(int n) {
            if (n < 1) throw new InvalidRequestException("maxImages must be at least 1");
            maxImages = n;
            return this;
        }

        /** Largest width × height of a requested or uploaded image (default 2048²). */
        public Builder maxPixels(long n) {
            if (n < 1) throw new InvalidRequestException("maxPixels must be at least 1");
            maxPixels = n;
            return this;
        }

        /** Generate one image before reporting ready (default true). */
        public Builder warmup(boolean v) {
            warmup = v;
            return this;
        }

        /** Size of the warm-up image, rendered without binning (default: the model's default size). */
        public Builder warmupSize(int width, int height) {
            if (width < 1 || height < 1) throw new InvalidRequestException("warm-up size must be positive");
            warmupWidth = width;
            warmupHeight = height;
            return this;
        }

        /**
         * Async jobs ({@code Prefer: respond-async}) kept at most (default 256) and how long a finished one's result is
         * kept for polling (default 1 hour).
         */
        public Builder asyncJobs(int max, Duration resultTtl) {
            if (max < 1) throw new InvalidRequestException("asyncJobs needs a positive count, got " + max);
            InvalidRequestException.requirePositive(resultTtl, "the asyncJobs result lifetime");
            asyncJobs = max;
            asyncResultTtl = resultTtl;
            return this;
        }

        /**
         * The store of {@code response_format: url} images: total bytes (default 256 MiB; the oldest images make room
         * for new ones) and how long a link works (default 1 hour).
         */
        public Builder imageStore(long maxBytes, Duration ttl) {
            if (maxBytes < 1) throw new InvalidRequestException("imageStore needs a positive size, got " + maxBytes);
            InvalidRequestException.requirePositive(ttl, "the imageStore link lifetime");
            imageStoreBytes = maxBytes;
            imageTtl = ttl;
            return this;
        }

        /** The clock of expiry (tests). */
        Builder clock(java.time.Clock c) {
            clock = c;
            return this;
        }

        /** Creates the server; {@link SprintServer#start()} opens the port. */
        public SprintServer build() {
            if (pipeline == null) throw new InvalidRequestException("set pipeline(...) to say how the model is loaded");
            if (apiKeys.isEmpty() && !insecureNoAuth && !RequestPolicy.isLoopback(host)) {
                throw new InvalidRequestException("refusing to serve on " + host + " without an API key: anyone who can reach it could"
                        + " use it. Give a key (--api-key, SPRINT_API_KEY or --api-key-file), or --insecure-no-auth to serve without one.");
            }
            return new SprintServer(this);
        }
    }
}
