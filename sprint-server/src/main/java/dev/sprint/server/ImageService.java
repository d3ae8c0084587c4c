package dev.sprint.server;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationCancelledException;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Latents;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PreviewEvent;
import dev.sprint.api.Provenance;
import dev.sprint.api.SprintException;
import dev.sprint.api.StepEvent;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves generation requests from any number of threads on one loaded {@link Pipeline} per device, with a
 * bounded queue, a deadline per request and micro-batching.
 *
 * <p><b>Micro-batching.</b> Requests that differ only in prompts, seeds and image counts ({@link BatchKey}:
 * same size, steps, timesteps, guidance, negative prompt, binning, options, input image) and arrive within
 * {@link Builder#batchWindow the batch window} of the oldest waiting one run as ONE batched call of up to
 * {@link Builder#maxBatch maxBatch} images. Every image draws its noise from its own generator
 * ({@link GenerationRequest#seeds()}), so it is the image the same request gives alone: bit for bit when it
 * runs alone or batching is off, and up to the summation order of batched kernels when batched. A request
 * without a seed gets one at arrival; a request with seed {@code s} and {@code n} images has seeds
 * {@code s, s+1, ..., s+n-1} ({@link ImageJob#seeds()}), so image {@code j} is reproduced alone by seed
 * {@code s+j}.
 *
 * <p><b>Order.</b> Batches start in arrival order of their oldest request (the head of the queue); a
 * compatible younger request may join an older one's batch. Incompatible requests run in separate batches.
 *
 * <p><b>Limits.</b> {@link #submit} rejects at once with {@link QueueFullException} when {@link
 * Builder#queueCapacity} requests wait; a request still unfinished at its deadline fails with {@link
 * DeadlineExceededException}; {@link ImageJob#cancel} cancels a queued or running request. Every accepted
 * request completes: with its result, its own error, or {@link ServiceClosedException} at shutdown.
 *
 * <pre>{@code
 * try (Pipeline p = Pipeline.builder().model(dir).build();
 *      ImageService service = ImageService.builder(p).maxBatch(8).batchWindow(Duration.ofMillis(20)).build()) {
 *     CompletableFuture<GenerationResult> a = service.submit(GenerationRequest.of("a red fox"));
 *     GenerationResult b = service.generate(GenerationRequest.of("a lighthouse"));   // blocking
 * }
 * }</pre>
 */
public final class ImageService implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImageService.class);
    private static final SecureRandom SEEDS = new SecureRandom();

    private enum State { RUNNING, DRAINING, CLOSED }

    private final List<Pipeline> pipelines;
    private final int maxBatch;
    private final long windowNanos;
    private final int capacity;
    private final Duration timeout;
    private final Duration shutdownGrace;
    private final ServiceMetrics metrics;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<ImageJob> queue = new ArrayDeque<>();
    private final Set<Batch> running = new HashSet<>();
    private State state = State.RUNNING;
    private final List<Thread> workers = new ArrayList<>();
    private final ScheduledExecutorService timer;
    private final AtomicLong ids = new AtomicLong();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong batchedRequests = new AtomicLong();
    private final AtomicLong imagesMade = new AtomicLong();
    /** Exponentially weighted seconds per image, for Retry-After. */
    private volatile double secondsPerImage = Double.NaN;

    private ImageService(Builder b) {
        pipelines = List.copyOf(b.pipelines);
        maxBatch = b.maxBatch;
        windowNanos = b.batchWindow.toNanos();
        capacity = b.queueCapacity;
        timeout = b.timeout;
        shutdownGrace = b.shutdownGrace;
        metrics = new ServiceMetrics(b.registry, this::queueDepth, this::runningBatches);
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> daemon(r, "sprint-deadlines"));
        t.setRemoveOnCancelPolicy(true);
        timer = t;
        for (int i = 0; i < pipelines.size(); i++) {
            Pipeline p = pipelines.get(i);
            Thread w = daemon(() -> work(p), "sprint-worker-" + i);
            workers.add(w);
            w.start();
        }
    }

    /** A builder for a service over one pipeline (one device). */
    public static Builder builder(Pipeline pipeline) {
        return new Builder(List.of(Objects.requireNonNull(pipeline, "pipeline")));
    }

    /** A builder for a service over several pipelines of the same model, one per device, sharing one queue. */
    public static Builder builder(List<Pipeline> pipelines) {
        if (pipelines.isEmpty()) throw new InvalidRequestException("at least one pipeline");
        return new Builder(pipelines);
    }

    // ------------------------------------------------------------------------------------------ API

    /** Queues a request with the service's default deadline. */
    public ImageJob submit(GenerationRequest request) {
        return submit(request, timeout);
    }

    /**
     * Queues a request.
     *
     * @param timeout how long it may take from now until its result, queued and running
     * @throws QueueFullException      at once when the queue is full
     * @throws ServiceClosedException  when the service is shutting down
     * @throws InvalidRequestException for a request that can never run (no prompt, seeds that do not match)
     */
    public ImageJob submit(GenerationRequest request, Duration timeout) {
        return submit(request, timeout, null);
    }

    /**
     * Queues a request whose previews ({@link GenerationRequest#previewEvery()}) go to {@code previews}: its own images
     * only, also when it runs batched with others, called on the worker thread (hand slow work elsewhere).
     *
     * @param previews receives the request's previews, or null
     */
    public ImageJob submit(GenerationRequest request, Duration timeout, Consumer<PreviewEvent> previews) {
        Objects.requireNonNull(request, "request");
        InvalidRequestException.requirePositive(timeout, "the timeout");
        GenerationRequest resolved = withSeeds(request);
        ImageJob job = new ImageJob(this, "job-" + ids.incrementAndGet(), resolved, BatchKey.of(resolved), previews);
        lock.lock();
        try {
            if (state != State.RUNNING) {
                metrics.error("service_closed");
                throw new ServiceClosedException("the image service is shutting down and takes no new requests");
            }
            if (queue.size() >= capacity) {
                metrics.error("queue_full");
                throw new QueueFullException("the queue is full (" + capacity + " requests waiting); retry later",
                        retryAfterSeconds());
            }
            queue.addLast(job);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        ScheduledFuture<?> expiry = timer.schedule(() -> expire(job, timeout), timeout.toNanos(), TimeUnit.NANOSECONDS);
        job.whenComplete((r, e) -> {
            expiry.cancel(false);
            finished(job, e);
        });
        return job;
    }

    /**
     * Generates and waits: {@link #submit} then the result. Failures are thrown as the {@link SprintException}
     * the request failed with; an interrupt cancels the request.
     */
    public GenerationResult generate(GenerationRequest request) {
        ImageJob job = submit(request);
        try {
            return job.get();
        } catch (InterruptedException e) {
            job.cancel(true);
            Thread.currentThread().interrupt();
            throw new GenerationCancelledException("interrupted while waiting for " + job.id());
        } catch (CancellationException e) {
            throw new GenerationCancelledException(job.id() + " was cancelled");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof SprintException s) throw s;
            throw new SprintException(job.id() + " failed: " + e.getCause(), e.getCause());
        }
    }

    /** Requests waiting now. */
    public int queueDepth() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Counters since start. */
    public Stats stats() {
        lock.lock();
        try {
            return new Stats(queue.size(), running.size(), batches.get(), batchedRequests.get(), imagesMade.get());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Counters of a service.
     *
     * @param queued          requests waiting now
     * @param runningBatches  batches running now
     * @param batches         batched pipeline calls made (a request run alone counts as a batch of one)
     * @param batchedRequests requests that ran in those calls
     * @param images          images generated
     */
    public record Stats(int queued, int runningBatches, long batches, long batchedRequests, long images) {}

    /** Images per batch at most (1 = batching off). */
    public int maxBatch() {
        return maxBatch;
    }

    /** Queue capacity in requests. */
    public int queueCapacity() {
        return capacity;
    }

    /** Whether {@link #shutdown} has begun. */
    public boolean isShuttingDown() {
        lock.lock();
        try {
            return state != State.RUNNING;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops taking requests, lets queued and running ones finish for up to {@code grace}, then fails what is
     * left with {@link ServiceClosedException} (running batches stop at their next step). Pipelines are not
     * closed: they belong to the caller.
     */
    public void shutdown(Duration grace) {
        List<ImageJob> rejected = new ArrayList<>();
        List<Batch> aborted = new ArrayList<>();
        lock.lock();
        try {
            if (state == State.RUNNING) {
                state = State.DRAINING;
                LOG.info("image service draining: {} queued, {} batch(es) running", queue.size(), running.size());
            }
            changed.signalAll();
            long left = grace.toNanos();
            while ((!queue.isEmpty() || !running.isEmpty()) && left > 0) {
                try {
                    left = changed.awaitNanos(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            state = State.CLOSED;
            rejected.addAll(queue);
            queue.clear();
            aborted.addAll(running);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (ImageJob j : rejected) j.completeExceptionally(new ServiceClosedException("the image service shut down before " + j.id() + " ran"));
        for (Batch b : aborted) {
            for (ImageJob j : b.members) j.completeExceptionally(new ServiceClosedException("the image service shut down while " + j.id() + " ran"));
            b.cancel.cancel();
        }
        for (Thread w : workers) {
            try {
                w.join(Math.max(1, grace.toMillis()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            if (w.isAlive()) LOG.warn("{} is still running after shutdown (a pipeline call did not stop)", w.getName());
        }
        timer.shutdownNow();
        if (!rejected.isEmpty() || !aborted.isEmpty()) {
            LOG.warn("image service closed: {} queued request(s) rejected, {} running batch(es) stopped", rejected.size(), aborted.size());
        }
    }

    /** {@link #shutdown} with the builder's grace period (default 30 s). */
    @Override
    public void close() {
        shutdown(shutdownGrace);
    }

    // ------------------------------------------------------------------------------------------ internals

    /** One pipeline call and the requests it serves. */
    static final class Batch {
        final List<ImageJob> members;
        final int images;
        final CancellationToken cancel = new CancellationToken();

        Batch(List<ImageJob> members) {
            this.members = members;
            this.images = members.stream().mapToInt(ImageJob::images).sum();
        }
    }

    /** The request with one seed per image: given seeds, else seed s → s, s+1, ...; no seed → drawn now. */
    static GenerationRequest withSeeds(GenerationRequest r) {
        if (r.prompts().isEmpty()) throw new InvalidRequestException("no prompt: the request is empty");
        if (r.imagesPerPrompt() < 1) throw new InvalidRequestException("imagesPerPrompt must be at least 1, got " + r.imagesPerPrompt());
        int images = r.prompts().size() * r.imagesPerPrompt();
        List<Long> seeds = r.seeds();
        if (seeds != null) {
            if (seeds.size() != images) {
                throw new InvalidRequestException(seeds.size() + " seeds for " + images + " images (one per image needed)");
            }
        } else {
            long s = r.seed() != null ? r.seed() : SEEDS.nextLong() & 0xFFFFFFFFL;
            Long[] all = new Long[images];
            for (int i = 0; i < images; i++) all[i] = s + i;
            seeds = Arrays.asList(all);
        }
        return r.toBuilder().seeds(seeds).seed(seeds.get(0)).build();
    }

    int queuePosition(ImageJob job) {
        lock.lock();
        try {
            int i = 1;
            for (ImageJob j : queue) {
                if (j == job) return i;
                i++;
            }
            return 0;
        } finally {
            lock.unlock();
        }
    }

    private int runningBatches() {
        lock.lock();
        try {
            return running.size();
        } finally {
            lock.unlock();
        }
    }

    private long retryAfterSeconds() {
        double per = secondsPerImage;
        if (Double.isNaN(per)) return 1;
        long queuedImages = queue.stream().mapToLong(ImageJob::images).sum();
        return Math.max(1, Math.min(3600, (long) Math.ceil(per * queuedImages / Math.max(1, pipelines.size()))));
    }

    private void expire(ImageJob job, Duration after) {
        job.completeExceptionally(new DeadlineExceededException(job.id() + " did not finish within " + after.toMillis()
                + " ms (" + (job.status().state() == JobStatus.State.RUNNING ? "running" : "queued") + ")"));
    }

    /** Every accepted job passes here exactly once, on the thread that completed it. */
    private void finished(ImageJob job, Throwable error) {
        Batch stop = null;
        lock.lock();
        try {
            queue.remove(job);
            Batch b = job.batch();
            if (b != null && running.contains(b) && b.members.stream().allMatch(ImageJob::isDone)) stop = b;
            changed.signalAll(); // a shutdown may be waiting for the queue to empty
        } finally {
            lock.unlock();
        }
        if (stop != null) stop.cancel.cancel(); // nobody wants this batch's images any more
        metrics.finished(job, error);
        if (LOG.isDebugEnabled()) {
            GenerationRequest r = job.request();
            LOG.debug("{} {} images={} size={}x{} steps={} queue_ms={} total_ms={}", job.id(), ServiceMetrics.outcome(error),
                    job.images(), r.width(), r.height(), r.steps(), Math.round(job.queueMs()),
                    Math.round((System.nanoTime() - job.arrivalNanos) / 1e6));
        }
    }

    private void work(Pipeline pipeline) {
        while (true) {
            Batch batch;
            try {
                batch = nextBatch();
            } catch (InterruptedException e) {
                return;
            }
            if (batch == null) return;
            try {
                run(pipeline, batch);
            } catch (Throwable t) { // a worker must survive anything, or queued requests would wait forever
                LOG.error("batch failed unexpectedly", t);
                for (ImageJob j : batch.members) j.completeExceptionally(t);
            } finally {
                lock.lock();
                try {
                    running.remove(batch);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** Blocks for the next batch: the head of the queue plus compatible requests, within the window. Null when closed. */
    private Batch nextBatch() throws InterruptedException {
        lock.lock();
        try {
            while (true) {
                while (queue.isEmpty()) {
                    if (state != State.RUNNING) return null;
                    changed.await();
                }
                ImageJob head = queue.pollFirst();
                if (head.isDone()) continue;
                List<ImageJob> members = new ArrayList<>();
                members.add(head);
                int images = head.images();
                long windowEnd = head.arrivalNanos + windowNanos;
                while (images < maxBatch) {
                    for (Iterator<ImageJob> it = queue.iterator(); it.hasNext() && images < maxBatch; ) {
                        ImageJob j = it.next();
                        if (j.key().equals(head.key()) && images + j.images() <= maxBatch) {
                            it.remove();
                            members.add(j);
                            images += j.images();
                        }
                    }
                    long wait = windowEnd - System.nanoTime();
                    if (images >= maxBatch || wait <= 0 || state != State.RUNNING) break;
                    changed.awaitNanos(wait);
                }
                members.removeIf(ImageJob::isDone); // cancelled or expired while the batch formed
                if (members.isEmpty()) continue;
                Batch b = new Batch(List.copyOf(members));
                long now = System.nanoTime();
                for (ImageJob j : b.members) j.started(b, now);
                running.add(b);
                return b;
            }
        } finally {
            lock.unlock();
        }
    }

    private void run(Pipeline pipeline, Batch b) {
        for (ImageJob j : b.members) metrics.started(j);
        try {
            if (b.members.size() == 1) {
                complete(b.members, call(pipeline, b.members.get(0).request(), b, b.members));
                return;
            }
            GenerationResult merged;
            try {
                merged = call(pipeline, merge(b.members), b, b.members);
            } catch (GenerationCancelledException e) {
                throw e;
            } catch (SprintException e) {
                // One member may be what the pipeline rejected: run each alone so that only that one fails.
                LOG.debug("batch of {} requests failed ({}); running them one by one", b.members.size(), e.getMessage());
                for (ImageJob j : b.members) {
                    if (j.isDone()) continue;
                    try {
                        complete(List.of(j), call(pipeline, j.request(), b, List.of(j)));
                    } catch (GenerationCancelledException c) {
                        throw c;
                    } catch (SprintException alone) {
                        j.completeExceptionally(alone);
                    }
                }
                return;
            }
            complete(b.members, merged);
        } catch (GenerationCancelledException e) {
            // the batch is stopped only when none of its requests is waiting for it any more
            for (ImageJob j : b.members) j.cancel(false);
        } catch (SprintException e) {
            for (ImageJob j : b.members) j.completeExceptionally(e);
        }
    }

    /** One pipeline call; a raw runtime exception from a pipeline becomes a {@link SprintException}. */
    private GenerationResult call(Pipeline pipeline, GenerationRequest request, Batch b, List<ImageJob> inCall) {
        long t0 = System.nanoTime();
        int images = request.prompts().size() * request.imagesPerPrompt();
        GenerationResult r;
        try {
            r = pipeline.generate(request, listener(b, inCall), b.cancel);
        } catch (SprintException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new SprintException("generation failed: " + e, e);
        }
        double seconds = (System.nanoTime() - t0) / 1e9 / images;
        double old = secondsPerImage;
        secondsPerImage = Double.isNaN(old) ? seconds : 0.8 * old + 0.2 * seconds;
        return r;
    }

    /** Progress to every member of the batch; previews to the jobs of this call ({@code inCall}, in image order). */
    private static GenerationListener listener(Batch b, List<ImageJob> inCall) {
        return new GenerationListener() {
            @Override
            public void onStage(String stage) {
                for (ImageJob j : b.members) j.progress(stage, 0, 0);
            }

            @Override
            public void onStep(StepEvent e) {
                for (ImageJob j : b.members) j.progress("step", e.step() + 1, e.steps());
            }

            @Override
            public void onPreview(PreviewEvent e) {
                int offset = 0;
                for (ImageJob j : inCall) { // in merge order: each takes its own images of the call
                    int n = j.images();
                    if (j.previews() != null && !j.isDone() && e.images().size() >= offset + n) {
                        j.previews().accept(new PreviewEvent(e.step(), e.steps(), e.images().subList(offset, offset + n)));
                    }
                    offset += n;
                }
            }
        };
    }

    /** One request of all members: their prompts, each repeated per image, with one seed per image. */
    static GenerationRequest merge(List<ImageJob> members) {
        List<String> prompts = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        for (ImageJob j : members) {
            GenerationRequest r = j.request();
            for (String p : r.prompts()) {
                for (int k = 0; k < r.imagesPerPrompt(); k++) prompts.add(p);
            }
            seeds.addAll(r.seeds());
        }
        GenerationRequest head = members.get(0).request();
        return head.toBuilder().prompts(prompts).imagesPerPrompt(1).seeds(seeds).seed(seeds.get(0)).build();
    }

    /** Splits a (batched) result back per member, each as if it had run alone. */
    private void complete(List<ImageJob> members, GenerationResult result) {
        batches.incrementAndGet();
        batchedRequests.addAndGet(members.size());
        metrics.batch(members.size(), members.stream().mapToInt(ImageJob::images).sum(), result.timingsMs());
        boolean alone = members.size() == 1;
        int offset = 0;
        for (ImageJob j : members) {
            int n = j.images();
            Map<String, Double> timings = new LinkedHashMap<>(result.timingsMs());
            timings.put("queue", j.queueMs());
            GenerationResult own;
            if (alone) {
                own = new GenerationResult(result.images(), result.latents(), result.seed(), timings);
            } else {
                List<GeneratedImage> imgs = new ArrayList<>(n);
                if (!result.images().isEmpty()) {
                    for (int i = 0; i < n; i++) imgs.add(reindexed(result.images().get(offset + i), j.seeds().get(0), i));
                }
                own = new GenerationResult(imgs, slice(result.latents(), offset, n), j.seeds().get(0), timings);
            }
            offset += n;
            if (j.complete(own)) imagesMade.addAndGet(n);
        }
    }

    /** The image with the provenance it has when its request runs alone (its own seed and image index). */
    private static GeneratedImage reindexed(GeneratedImage img, long requestSeed, int index) {
        Provenance p = img.provenance();
        Map<String, String> extras = new HashMap<>(p.extras());
        if (extras.containsKey("image_index")) extras.put("image_index", Integer.toString(index));
        Provenance own = new Provenance(p.model(), p.pipeline(), p.backend(), p.prompt(), requestSeed, p.steps(),
                p.width(), p.height(), extras);
        return new GeneratedImage(img.width(), img.height(), img.rgb(), own);
    }

    private static Latents slice(Latents all, int offset, int n) {
        if (all == null) return null;
        long[] shape = all.shape().clone();
        int per = Math.toIntExact(all.data().length / shape[0]);
        shape[0] = n;
        return new Latents(Arrays.copyOfRange(all.data(), offset * per, (offset + n) * per), shape);
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    // ------------------------------------------------------------------------------------------ builder

    /** Settings of an {@link ImageService}; every one has a default. */
    public static final class Builder {
        private final List<Pipeline> pipelines;
        private int maxBatch = 8;
        private Duration batchWindow = Duration.ofMillis(20);
        private int queueCapacity = 64;
        private Duration timeout = Duration.ofMinutes(5);
        private Duration shutdownGrace = Duration.ofSeconds(30);
        private MeterRegistry registry = new CompositeMeterRegistry(); // no-op until the caller gives one

        private Builder(List<Pipeline> pipelines) {
            this.pipelines = List.copyOf(pipelines);
        }

        /** Images per batched call at most (default 8); 1 turns batching off. */
        public Builder maxBatch(int images) {
            if (images < 1) throw new InvalidRequestException("maxBatch must be at least 1, got " + images);
            maxBatch = images;
            return this;
        }

        /** How long the oldest waiting request waits for compatible ones to arrive (default 20 ms; 0 = take what is queued). */
        public Builder batchWindow(Duration window) {
            if (window.isNegative()) throw new InvalidRequestException("batchWindow must not be negative");
            batchWindow = window;
            return this;
        }

        /** Requests that may wait (default 64); one more is rejected at once. */
        public Builder queueCapacity(int requests) {
            if (requests < 1) throw new InvalidRequestException("queueCapacity must be at least 1, got " + requests);
            queueCapacity = requests;
            return this;
        }

        /** Default deadline of a request from submit to result (default 5 minutes). */
        public Builder timeout(Duration t) {
            timeout = InvalidRequestException.requirePositive(t, "timeout");
            return this;
        }

        /** How long {@link ImageService#close()} lets queued and running requests finish (default 30 s). */
        public Builder shutdownGrace(Duration grace) {
            if (grace.isNegative()) throw new InvalidRequestException("shutdownGrace must not be negative");
            shutdownGrace = grace;
            return this;
        }

        /** Where the service's meters go (default: nowhere). */
        public Builder meterRegistry(MeterRegistry r) {
            registry = Objects.requireNonNull(r, "registry");
            return this;
        }

        /** Starts the service's worker threads (one per pipeline). */
        public ImageService build() {
            return new ImageService(this);
        }
    }
}
