package dev.sprint.examples;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import dev.sprint.api.SprintException;
import dev.sprint.server.SprintServer;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code ./sprint serve}: the OpenAI-images-compatible HTTP server (sprint-server) over one model, until
 * SIGINT/SIGTERM, which stops it gracefully. {@code ./sprint serve --bench} measures it instead ({@link ServeBench}).
 */
final class ServeCommand {
    static final String USAGE = """
            Usage: ./sprint serve --model DIR|REPO_ID [--port P] [--host 127.0.0.1] [--max-batch N] [--batch-window-ms W] [--queue Q]
                                  [--request-timeout-s S] [--model-name NAME] [--no-warmup] [--warmup-size WxH]
                                  [--api-key KEY].. [--api-key-file FILE] [--insecure-no-auth] [--allow-host NAME]..
                                  [--allow-origin URL].. [--max-work N] [--max-concurrent-per-key N] [--max-timesteps N]
                                  [--idle-timeout-s S] [--header-timeout-s S]
                                  [--preview-decoder projection|vae|DIR] [--image-store-mb MB] [--image-ttl-s S]
                                  [--backend NAME] [--device D] [--precision P] [--threads N]
                                  [--controlnet DIR] [--components DIR] [--swd-weights DIR [--swd-preset NAME | --scales .. --sigmas ..]]
                                  [--lora SRC[:SCALE] ...]
                   ./sprint serve --bench --model DIR [--clients 1,4,16] [--requests-per-client N] [--width W --height H]
                                  [--steps N] [--max-batch N] [--batch-window-ms W] [--backend NAME] [--device D] [--threads N]

              Serves POST /v1/images/generations and /v1/images/edits (OpenAI Images API), GET /v1/models,
              /health/live, /health/ready, /metrics (Prometheus) and a web page at / .
              --port P             port (default 8080; 0 = any free port, printed)
              --host H             interface (default 127.0.0.1; 0.0.0.0 for all)
              --max-batch N        images per batched forward pass (default 8; 1 = micro-batching off)
              --batch-window-ms W  how long the oldest waiting request waits for compatible ones (default 20)
              --queue Q            requests that may wait (default 64); more get 429 + Retry-After
              --request-timeout-s  deadline per request, queued plus running (default 600); then 504
              --model-name NAME    id in /v1/models and the requests' "model" (default: the folder name or repo id)
              --no-warmup          report ready without generating a warm-up image first
              --warmup-size WxH    size of the warm-up image (default: the model's default size)
              --lora SRC[:SCALE]   a LoRA fused into the served model at load (repeatable; default scale 1; docs/lora.md)
              --preview-decoder D  what "stream": true partial images are made with: projection (SD3/SwD default), vae,
                                   or a diffusers AutoencoderTiny folder; Sana models stream partial images only with one
              --image-store-mb MB  memory for response_format "url" images (default 256; the oldest go first)
              --image-ttl-s S      how long an image link works (default 3600)
              --bench              run the throughput/latency benchmark (see ServeBench) and exit

              Security (docs/security.md):
              --api-key KEY        accept Authorization: Bearer KEY on /v1/* and /metrics (repeatable; also the
                                   environment variable SPRINT_API_KEY); /health/* and the page stay open
              --api-key-file FILE  keys from a file, one per line (# comments)
              --insecure-no-auth   allow a non-loopback --host without any key (refused otherwise)
              --allow-host NAME    a host name clients may address besides localhost and IP literals, e.g. the
                                   reverse proxy's public name (repeatable; others get 403, against DNS rebinding)
              --allow-origin URL   a browser origin allowed to call the API cross-site, e.g. https://app.example.com
                                   (repeatable; other origins get 403)
              --max-work N         pixel-steps one request may buy: width x height x images x steps
                                   (default 67108864 = 1024x1024 x 4 images x 16 steps); more is a 400
              --max-concurrent-per-key N  requests one key may have queued or running (default 16); more is a 429
              --max-timesteps N    longest custom timesteps list (default 64)
              --idle-timeout-s S   how long a connection may stay silent while sending a request (default 30)
              --header-timeout-s S how long a client may take to send its request headers (default 10)
            """;

    private ServeCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (Arrays.asList(argv).contains("--help")) {
            out.print(USAGE);
            return 0;
        }
        quietJetty();
        if (Arrays.asList(argv).contains("--bench")) return ServeBench.run(argv, out, err);
        Args a = new Args(argv, Set.of("no-warmup", "insecure-no-auth"));
        String model = a.require("model");
        Pipeline.Builder pb = pipelineBuilder(a, err);
        SprintServer.Builder sb = SprintServer.builder().pipeline(pb::build).modelName(modelName(a, model));
        Integer port = a.getInt("port");
        if (port != null) sb.port(port);
        String host = a.get("host");
        if (host != null) sb.host(host);
        Integer maxBatch = a.getInt("max-batch");
        if (maxBatch != null) sb.maxBatch(positive(maxBatch, "--max-batch"));
        Integer window = a.getInt("batch-window-ms");
        if (window != null) sb.batchWindow(Duration.ofMillis(nonNegative(window, "--batch-window-ms")));
        Integer queue = a.getInt("queue");
        if (queue != null) sb.queueCapacity(positive(queue, "--queue"));
        Integer timeout = a.getInt("request-timeout-s");
        if (timeout != null) sb.requestTimeout(Duration.ofSeconds(positive(timeout, "--request-timeout-s")));
        Integer storeMb = a.getInt("image-store-mb");
        Integer ttl = a.getInt("image-ttl-s");
        if (storeMb != null || ttl != null) {
            sb.imageStore((storeMb == null ? 256L : positive(storeMb, "--image-store-mb")) << 20,
                    Duration.ofSeconds(ttl == null ? 3600 : positive(ttl, "--image-ttl-s")));
        }
        if (a.flag("no-warmup")) sb.warmup(false);
        String warm = a.get("warmup-size");
        if (warm != null) {
            int[] wh = size(warm, "--warmup-size");
            sb.warmupSize(wh[0], wh[1]);
        }
        security(a, sb, System.getenv());
        a.rejectUnknown();

        SprintServer server = sb.build().start();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "sprint-serve-shutdown"));
        err.println("Sprint server at " + server.url() + " is loading " + model + " (health: " + server.url() + "/health/ready)");
        try {
            server.awaitReady(Duration.ofDays(1));
        } catch (SprintException e) {
            server.close();
            throw e;
        }
        out.println("Sprint serving '" + modelName(a, model) + "' at " + server.url() + "/  (OpenAI API: " + server.url()
                + "/v1; Ctrl-C stops)");
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }

    /** The security options (keys, hosts, origins, limits) onto the server builder; {@code env} gives SPRINT_API_KEY. */
    static void security(Args a, SprintServer.Builder sb, Map<String, String> env) {
        List<String> keys = new ArrayList<>(a.all("api-key"));
        String fromEnv = env.get("SPRINT_API_KEY");
        if (fromEnv != null && !fromEnv.isBlank()) keys.add(fromEnv.strip());
        if (keys.stream().anyMatch(String::isBlank)) throw new CliException("--api-key must not be empty");
        sb.apiKeys(keys);
        String file = a.get("api-key-file");
        if (file != null) sb.apiKeyFile(Path.of(file));
        if (a.flag("insecure-no-auth")) sb.insecureNoAuth(true);
        for (String h : a.all("allow-host")) sb.allowHost(h);
        for (String o : a.all("allow-origin")) sb.allowOrigin(o);
        Long work = a.getLong("max-work");
        if (work != null) sb.maxWork(positive(work, "--max-work"));
        Integer perKey = a.getInt("max-concurrent-per-key");
        if (perKey != null) sb.maxConcurrentPerKey(positive(perKey, "--max-concurrent-per-key"));
        Integer timesteps = a.getInt("max-timesteps");
        if (timesteps != null) sb.maxTimesteps(positive(timesteps, "--max-timesteps"));
        Integer idle = a.getInt("idle-timeout-s");
        if (idle != null) sb.idleTimeout(Duration.ofSeconds(positive(idle, "--idle-timeout-s")));
        Integer header = a.getInt("header-timeout-s");
        if (header != null) sb.headerTimeout(Duration.ofSeconds(positive(header, "--header-timeout-s")));
    }

    /** The pipeline options shared with {@code generate} ({@link SprintCli#pipelineBuilder}); the model is required. */
    static Pipeline.Builder pipelineBuilder(Args a, PrintStream err) {
        a.require("model");
        return SprintCli.pipelineBuilder(a, err);
    }

    /** --model-name, else a folder's name or the repo id as given. */
    static String modelName(Args a, String model) {
        String name = a.get("model-name");
        return name != null ? name : SprintServer.publicModelName(model);
    }

    static int[] size(String s, String option) {
        String[] wh = s.toLowerCase(Locale.ROOT).split("x");
        try {
            if (wh.length == 2) return new int[] {positive(Integer.parseInt(wh[0].trim()), option), positive(Integer.parseInt(wh[1].trim()), option)};
        } catch (NumberFormatException e) {
            // falls through to the error below
        }
        throw new CliException(option + " needs WIDTHxHEIGHT, got '" + s + "'");
    }

    static long positive(long v, String option) {
        if (v < 1) throw new CliException(option + " must be at least 1, got " + v);
        return v;
    }

    static int positive(int v, String option) {
        if (v < 1) throw new CliException(option + " must be at least 1, got " + v);
        return v;
    }

    static int nonNegative(int v, String option) {
        if (v < 0) throw new CliException(option + " must not be negative, got " + v);
        return v;
    }

    /** Jetty's start-up chatter at warn unless the user configured those loggers. */
    private static void quietJetty() {
        for (String logger : new String[] {"org.eclipse.jetty", "io.javalin"}) {
            String key = "org.slf4j.simpleLogger.log." + logger;
            if (System.getProperty(key) == null) System.setProperty(key, "warn");
        }
    }

    /** A pipeline shared by several servers of one benchmark run: closing a server does not close it. */
    static Pipeline unclosable(Pipeline p) {
        return new Pipeline() {
            @Override
            public GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
                return p.generate(request, listener, cancel);
            }

            @Override
            public Map<String, String> describe() {
                return p.describe();
            }

            @Override
            public void close() {}
        };
    }
}
