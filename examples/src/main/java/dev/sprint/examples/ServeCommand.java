package dev.sprint.examples;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import dev.sprint.api.SprintException;
import dev.sprint.server.SprintServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
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
                                  [--preview-decoder projection|vae|DIR] [--image-store-mb MB] [--image-ttl-s S]
                                  [--backend NAME] [--device D] [--precision P] [--threads N]
                                  [--controlnet DIR] [--components DIR] [--swd-weights DIR [--swd-preset NAME | --scales .. --sigmas ..]]
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
              --preview-decoder D  what "stream": true partial images are made with: projection (SD3/SwD default), vae,
                                   or a diffusers AutoencoderTiny folder; Sana models stream partial images only with one
              --image-store-mb MB  memory for response_format "url" images (default 256; the oldest go first)
              --image-ttl-s S      how long an image link works (default 3600)
              --bench              run the throughput/latency benchmark (see ServeBench) and exit
            """;

    private ServeCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (Arrays.asList(argv).contains("--help")) {
            out.print(USAGE);
            return 0;
        }
        quietJetty();
        if (Arrays.asList(argv).contains("--bench")) return ServeBench.run(argv, out, err);
        Args a = new Args(argv, Set.of("no-warmup"));
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

    /** The pipeline options shared with {@code generate} ({@link SprintCli#pipelineBuilder}); the model is required. */
    static Pipeline.Builder pipelineBuilder(Args a, PrintStream err) {
        a.require("model");
        return SprintCli.pipelineBuilder(a, err);
    }

    /** --model-name, else a folder's name or the repo id as given. */
    static String modelName(Args a, String model) {
        String name = a.get("model-name");
        if (name != null) return name;
        Path p = Path.of(model);
        if (Files.isDirectory(p) && p.toAbsolutePath().normalize().getFileName() != null) {
            return p.toAbsolutePath().normalize().getFileName().toString();
        }
        return model;
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
