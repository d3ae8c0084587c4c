package dev.sprint.server;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.PreviewEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One request accepted by an {@link ImageService}: a {@link CompletableFuture} of its result plus where it is
 * now ({@link #status()}). {@link #cancel(boolean)} cancels it whether it is still queued or already running:
 * the future completes at once; a running batch stops at its next step boundary once none of its requests is
 * still wanted.
 */
public final class ImageJob extends CompletableFuture<GenerationResult> {
    private final ImageService service;
    private final String id;
    private final GenerationRequest request;
    private final BatchKey key;
    private final int images;
    private final Consumer<PreviewEvent> previews;
    final long arrivalNanos;

    // written by the worker under the service lock, read by status() from any thread
    private volatile JobStatus.State state = JobStatus.State.QUEUED;
    private volatile ImageService.Batch batch;
    private volatile String stage;
    private volatile int step;
    private volatile int steps;
    private volatile double queueMs = Double.NaN;

    ImageJob(ImageService service, String id, GenerationRequest request, BatchKey key, Consumer<PreviewEvent> previews) {
        this.service = service;
        this.previews = previews;
        this.id = id;
        this.request = request;
        this.key = key;
        this.images = request.prompts().size() * request.imagesPerPrompt();
        this.arrivalNanos = System.nanoTime();
    }

    /** Service-wide id, e.g. {@code job-17}. */
    public String id() {
        return id;
    }

    /** The request as it runs: with one seed per image ({@link GenerationRequest#seeds()}) always set. */
    public GenerationRequest request() {
        return request;
    }

    /** One seed per image, in image order: what reproduces each image. */
    public List<Long> seeds() {
        return request.seeds();
    }

    /** Images this request makes. */
    public int images() {
        return images;
    }

    /** Milliseconds it waited in the queue, or NaN while it still waits. */
    public double queueMs() {
        return queueMs;
    }

    /** Its state, queue position and progress now. */
    public JobStatus status() {
        JobStatus.State s = state;
        if (isDone()) {
            s = isCancelled() ? JobStatus.State.CANCELLED : isCompletedExceptionally() ? JobStatus.State.FAILED : JobStatus.State.DONE;
        }
        ImageService.Batch b = batch;
        int position = s == JobStatus.State.QUEUED ? service.queuePosition(this) : 0;
        return new JobStatus(s, position, b == null ? 0 : b.images, stage, step, steps);
    }

    /** Where this job's previews go, or null. */
    Consumer<PreviewEvent> previews() {
        return previews;
    }

    BatchKey key() {
        return key;
    }

    ImageService.Batch batch() {
        return batch;
    }

    void started(ImageService.Batch b, long nowNanos) {
        batch = b;
        queueMs = (nowNanos - arrivalNanos) / 1e6;
        state = JobStatus.State.RUNNING;
    }

    void progress(String stageName, int stepsDone, int stepCount) {
        stage = stageName;
        step = stepsDone;
        steps = stepCount;
    }

    @Override
    public String toString() {
        return id + " " + status();
    }
}
