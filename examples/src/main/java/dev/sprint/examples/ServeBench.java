package dev.sprint.examples;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.Pipeline;
import dev.sprint.server.ImageService;
import dev.sprint.server.SprintServer;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ./sprint serve --bench}: loads the model once, then for micro-batching off and on starts the HTTP server
 * on a free loopback port and drives it with 1, 4, 16 (or {@code --clients}) concurrent closed-loop clients, each
 * sending {@code --requests-per-client} generation requests with distinct seeds. Reports images/s, p50 and p95
 * latency (request sent → response read, as a client sees it) and the mean images per batched call.
 */
final class ServeBench {
    private ServeBench() {}

    private record Row(String batching, int clients, int requests, double imagesPerSecond, double p50, double p95, double meanBatch) {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args(argv, Set.of("bench"));
        a.flag("bench");
        String clientsArg = a.get("clients");
        List<Integer> clients = new ArrayList<>();
        for (String c : (clientsArg == null ? "1,4,16" : clientsArg).split(",")) {
            try {
                clients.add(ServeCommand.positive(Integer.parseInt(c.trim()), "--clients"));
            } catch (NumberFormatException e) {
                throw new CliException("--clients needs comma-separated integers, got '" + clientsArg + "'");
            }
        }
        int perClient = ServeCommand.positive(opt(a.getInt("requests-per-client"), 4), "--requests-per-client");
        int width = ServeCommand.positive(opt(a.getInt("width"), 64), "--width");
        int height = ServeCommand.positive(opt(a.getInt("height"), 64), "--height");
        Integer steps = a.getInt("steps");
        int maxBatch = ServeCommand.positive(opt(a.getInt("max-batch"), 8), "--max-batch");
        int window = ServeCommand.nonNegative(opt(a.getInt("batch-window-ms"), 20), "--batch-window-ms");
        Pipeline.Builder pb = ServeCommand.pipelineBuilder(a, err);
        a.rejectUnknown();

        int most = Collections.max(clients);
        List<Row> rows = new ArrayList<>();
        try (Pipeline p = pb.build()) {
            out.printf(Locale.ROOT, "serve bench: %s, %dx%d, steps %s, clients %s, %d request(s) per client, max batch %d, window %d ms%n",
                    p.describe(), width, height, steps == null ? "default" : steps, clients, perClient, maxBatch, window);
            GenerationRequest.Builder warm = GenerationRequest.builder().prompt("warm-up").seed(0).size(width, height).resolutionBinning(false);
            if (steps != null) warm.steps(steps);
            p.generate(warm.build());
            for (boolean batching : new boolean[] {false, true}) {
                try (SprintServer server = SprintServer.builder().pipeline(() -> ServeCommand.unclosable(p)).port(0).warmup(false)
                        .maxBatch(batching ? maxBatch : 1).batchWindow(Duration.ofMillis(window)).queueCapacity(Math.max(64, 2 * most))
                        .requestTimeout(Duration.ofHours(1))
                        // a loopback benchmark: every client is the same (keyless) caller, and the sizes are the user's choice
                        .maxConcurrentPerKey(Math.max(16, 2 * most)).maxWork(Long.MAX_VALUE).build().start()) {
                    server.awaitReady(Duration.ofMinutes(1));
                    HttpClient http = HttpClient.newHttpClient();
                    AtomicLong seeds = new AtomicLong(1);
                    send(http, server.url(), body(width, height, steps, 0)); // first HTTP call of this server, not timed
                    for (int c : clients) {
                        Row row = level(server, http, batching ? "on" : "off", c, perClient, width, height, steps, seeds);
                        rows.add(row);
                        out.printf(Locale.ROOT, "  batching %-3s clients %3d: %.3f images/s, p50 %.0f ms, p95 %.0f ms, mean batch %.2f%n",
                                row.batching, row.clients, row.imagesPerSecond, row.p50, row.p95, row.meanBatch);
                    }
                }
            }
        }
        out.println();
        out.println("| batching | clients | requests | images/s | p50 ms | p95 ms | mean batch |");
        out.println("| --- | --- | --- | --- | --- | --- | --- |");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %s | %d | %d | %.3f | %.0f | %.0f | %.2f |%n", r.batching, r.clients, r.requests,
                    r.imagesPerSecond, r.p50, r.p95, r.meanBatch);
        }
        out.println("peak RSS: " + Bench.peakRss());
        return 0;
    }

    private static Row level(SprintServer server, HttpClient http, String batching, int clients, int perClient, int width, int height,
                             Integer steps, AtomicLong seeds) {
        ImageService.Stats before = server.service().stats();
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        try {
            List<Future<?>> all = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                all.add(pool.submit(() -> {
                    for (int i = 0; i < perClient; i++) {
                        long s = System.nanoTime();
                        send(http, server.url(), body(width, height, steps, seeds.getAndIncrement()));
                        latencies.add((System.nanoTime() - s) / 1e6);
                    }
                    return null;
                }));
            }
            for (Future<?> f : all) f.get();
        } catch (Exception e) {
            throw new CliException("benchmark request failed: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        } finally {
            pool.shutdownNow();
        }
        double wall = (System.nanoTime() - t0) / 1e9;
        ImageService.Stats after = server.service().stats();
        double[] sorted = latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        long batches = after.batches() - before.batches();
        double meanBatch = batches == 0 ? 0 : (double) (after.images() - before.images()) / batches;
        return new Row(batching, clients, sorted.length, sorted.length / wall, rank(sorted, 0.50), rank(sorted, 0.95), meanBatch);
    }

    /** Nearest-rank percentile. */
    private static double rank(double[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static String body(int width, int height, Integer steps, long seed) {
        return "{\"prompt\": \"a red fox in the snow, watercolor, variant " + seed + "\", \"size\": \"" + width + "x" + height
                + "\", \"seed\": " + seed + ", \"resolution_binning\": false" + (steps == null ? "" : ", \"steps\": " + steps) + "}";
    }

    private static void send(HttpClient http, String url, String body) {
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url + "/v1/images/generations"))
                    .header("Content-Type", "application/json").timeout(Duration.ofHours(1))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) throw new CliException("HTTP " + r.statusCode() + ": " + r.body());
        } catch (java.io.IOException e) {
            throw new CliException("HTTP request failed: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private static int opt(Integer v, int d) {
        return v == null ? d : v;
    }
}
