package dev.sprint.server;

import dev.sprint.api.GenerationCancelledException;
import dev.sprint.api.InvalidRequestException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The {@link ImageService}'s meters (Prometheus names in brackets): queue depth
 * ({@code sprint_queue_depth}), time queued ({@code sprint_queue_wait_seconds}), time per request by outcome
 * ({@code sprint_request_seconds}), time per pipeline stage ({@code sprint_stage_seconds}), images and
 * requests per batch ({@code sprint_batch_images}, {@code sprint_batch_requests}), images made
 * ({@code sprint_images_generated_total}) and failures by type ({@code sprint_errors_total}).
 */
final class ServiceMetrics {
    private final MeterRegistry registry;
    private final Timer queueWait;
    private final DistributionSummary batchImages;
    private final DistributionSummary batchRequests;
    private final Counter images;

    ServiceMetrics(MeterRegistry registry, Supplier<Number> queueDepth, Supplier<Number> runningBatches) {
        this.registry = registry;
        Gauge.builder("sprint.queue.depth", queueDepth).description("requests waiting in the queue").register(registry);
        Gauge.builder("sprint.batches.running", runningBatches).description("batches running now").register(registry);
        queueWait = Timer.builder("sprint.queue.wait").description("time a request waited before its batch started")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry);
        batchImages = DistributionSummary.builder("sprint.batch.images").description("images per batched forward pass")
                .register(registry);
        batchRequests = DistributionSummary.builder("sprint.batch.requests").description("requests per batched forward pass")
                .register(registry);
        images = Counter.builder("sprint.images.generated").description("images generated").register(registry);
    }

    void started(ImageJob job) {
        queueWait.record(Duration.ofNanos((long) (job.queueMs() * 1e6)));
    }

    void batch(int requests, int imageCount, Map<String, Double> timingsMs) {
        batchRequests.record(requests);
        batchImages.record(imageCount);
        for (Map.Entry<String, Double> e : timingsMs.entrySet()) {
            String stage = e.getKey().startsWith("step_") ? "step" : e.getKey();
            Timer.builder("sprint.stage").description("time per pipeline stage of a batch").tag("stage", stage)
                    .register(registry).record(Duration.ofNanos((long) (e.getValue() * 1e6)));
        }
    }

    void finished(ImageJob job, Throwable error) {
        String outcome = outcome(error);
        Timer.builder("sprint.request").description("time from submit to result, by outcome").tag("outcome", outcome)
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofMinutes(10))
                .register(registry).record(Duration.ofNanos(System.nanoTime() - job.arrivalNanos));
        if (error == null) {
            images.increment(job.images());
        } else {
            error(outcome);
        }
    }

    void error(String type) {
        Counter.builder("sprint.errors").description("failed or rejected requests by type").tag("type", type)
                .register(registry).increment();
    }

    /** The error type name used in metrics and logs. */
    static String outcome(Throwable error) {
        Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (e == null) return "success";
        if (e instanceof CancellationException || e instanceof GenerationCancelledException) return "cancelled";
        if (e instanceof InvalidRequestException) return "invalid_request";
        if (e instanceof DeadlineExceededException) return "deadline_exceeded";
        if (e instanceof QueueFullException) return "queue_full";
        if (e instanceof ServiceClosedException) return "service_closed";
        return "internal";
    }
}
