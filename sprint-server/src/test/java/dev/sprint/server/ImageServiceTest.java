package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.SprintException;
import dev.sprint.core.testing.Await;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Scheduling behaviour of {@link ImageService} on a {@link FakePipeline} whose calls the test releases. */
class ImageServiceTest {
    private final FakePipeline fake = new FakePipeline();
    private ImageService service;

    @AfterEach
    void stop() {
        fake.open();
        if (service != null) service.shutdown(Duration.ofSeconds(5));
    }

    private static GenerationRequest req(String prompt, int width) {
        return GenerationRequest.builder().prompt(prompt).size(width, 64).steps(2).seed(prompt.hashCode() & 0xFFFF).build();
    }

    private static Throwable cause(CompletableFuture<?> f) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(10, TimeUnit.SECONDS));
        return e.getCause();
    }

    @Test
    void aFullQueueRejectsAtOnce() {
        service = ImageService.builder(fake).maxBatch(1).queueCapacity(2).build();
        ImageJob running = service.submit(req("a", 64));
        Await.until(() -> fake.calls.size() == 1, "the first call");
        ImageJob q1 = service.submit(req("b", 64));
        ImageJob q2 = service.submit(req("c", 64));
        QueueFullException full = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(QueueFullException.class, () -> service.submit(req("d", 64))));
        assertTrue(full.retryAfterSeconds() >= 1, "Retry-After is at least 1 s");
        assertEquals(2, service.queueDepth());
        fake.open();
        for (ImageJob j : List.of(running, q1, q2)) assertFalse(j.join().images().isEmpty());
        assertEquals(3, fake.calls.size(), "the rejected request never ran");
    }

    @Test
    void aQueuedRequestPastItsDeadlineFailsAndNeverRuns() {
        service = ImageService.builder(fake).maxBatch(1).build();
        ImageJob running = service.submit(req("a", 64));
        Await.until(() -> fake.calls.size() == 1, "the first call");
        ImageJob late = service.submit(req("late", 64), Duration.ofMillis(150));
        assertInstanceOf(DeadlineExceededException.class, cause(late));
        assertEquals(JobStatus.State.FAILED, late.status().state());
        fake.open();
        running.join();
        service.shutdown(Duration.ofSeconds(5));
        assertTrue(fake.calls.stream().noneMatch(c -> c.prompts().contains("late")), "an expired request must not run");
    }

    @Test
    void aRunningRequestPastItsDeadlineFailsAndItsBatchStops() {
        service = ImageService.builder(fake).maxBatch(1).build();
        ImageJob job = service.submit(req("slow", 64), Duration.ofMillis(150));
        assertInstanceOf(DeadlineExceededException.class, cause(job));
        Await.until(() -> fake.cancelled.size() == 1, "the pipeline to see the cancellation");
        fake.open();
        assertFalse(service.submit(req("next", 64)).join().images().isEmpty(), "the service goes on");
    }

    @Test
    void cancellingAQueuedRequestRemovesIt() {
        service = ImageService.builder(fake).maxBatch(1).build();
        ImageJob running = service.submit(req("a", 64));
        Await.until(() -> fake.calls.size() == 1, "the first call");
        ImageJob second = service.submit(req("b", 64));
        ImageJob third = service.submit(req("c", 64));
        assertEquals(1, second.status().queuePosition());
        assertEquals(2, third.status().queuePosition());
        assertTrue(second.cancel(false));
        assertThrows(CancellationException.class, second::join);
        assertEquals(JobStatus.State.CANCELLED, second.status().state());
        assertEquals(1, third.status().queuePosition(), "the queue moved up");
        fake.open();
        running.join();
        third.join();
        assertTrue(fake.calls.stream().noneMatch(c -> c.prompts().contains("b")), "a cancelled request must not run");
    }

    @Test
    void cancellingARunningRequestStopsItsBatchAndTheServiceGoesOn() {
        service = ImageService.builder(fake).maxBatch(1).build();
        ImageJob job = service.submit(req("a", 64));
        Await.until(() -> job.status().state() == JobStatus.State.RUNNING, "the job to run");
        assertTrue(job.cancel(false));
        assertThrows(CancellationException.class, job::join);
        Await.until(() -> fake.cancelled.size() == 1, "the pipeline to stop at a step boundary");
        fake.open();
        assertFalse(service.submit(req("b", 64)).join().images().isEmpty());
    }

    @Test
    void cancellingOneMemberOfABatchKeepsTheOthers() {
        service = ImageService.builder(fake).maxBatch(4).batchWindow(Duration.ofMillis(300)).build();
        ImageJob a = service.submit(req("a", 64));
        ImageJob b = service.submit(req("b", 64));
        Await.until(() -> a.status().state() == JobStatus.State.RUNNING, "the batch to run");
        assertEquals(2, a.status().batchSize());
        assertTrue(a.cancel(false));
        fake.release(1);
        GenerationResult rb = b.join();
        assertEquals(1, rb.images().size());
        assertTrue(fake.cancelled.isEmpty(), "the batch still had a member waiting");
    }

    @Test
    void batchesStartInArrivalOrderAndNeverMixShapes() {
        service = ImageService.builder(fake).maxBatch(8).batchWindow(Duration.ZERO).build();
        ImageJob first = service.submit(req("first", 64));
        Await.until(() -> fake.calls.size() == 1, "the first call");
        ImageJob a1 = service.submit(req("a1", 64));
        ImageJob b1 = service.submit(req("b1", 32));
        ImageJob a2 = service.submit(req("a2", 64));
        ImageJob b2 = service.submit(req("b2", 32));
        fake.open();
        for (ImageJob j : List.of(first, a1, b1, a2, b2)) j.join();
        assertEquals(3, fake.calls.size());
        assertEquals(List.of("a1", "a2"), fake.calls.get(1).prompts(), "the oldest request leads, a compatible one joins");
        assertEquals(List.of("b1", "b2"), fake.calls.get(2).prompts());
        assertEquals(2, a1.status().batchSize());
    }

    @Test
    void aBatchIsSplitBackWithEachRequestsSeedsAndProvenance() {
        service = ImageService.builder(fake).maxBatch(8).batchWindow(Duration.ofMillis(300)).build();
        fake.open();
        ImageJob three = service.submit(GenerationRequest.builder().prompt("three").imagesPerPrompt(3).seed(40).size(64, 64).build());
        ImageJob one = service.submit(GenerationRequest.builder().prompt("one").seed(7).size(64, 64).build());
        GenerationResult r3 = three.join();
        GenerationResult r1 = one.join();
        assertEquals(1, fake.calls.size(), "one batched call");
        GenerationRequest call = fake.calls.get(0);
        assertEquals(List.of("three", "three", "three", "one"), call.prompts());
        assertEquals(1, call.imagesPerPrompt());
        assertEquals(List.of(40L, 41L, 42L, 7L), call.seeds(), "seed s with n images means seeds s..s+n-1");
        assertEquals(List.of(40L, 41L, 42L), three.seeds());
        assertEquals(3, r3.images().size());
        for (int i = 0; i < 3; i++) {
            assertEquals(40 + i, r3.images().get(i).pixel(0, 0, 0), "image " + i + " is drawn from seed " + (40 + i));
            assertEquals(Integer.toString(i), r3.images().get(i).provenance().extras().get("image_index"));
            assertEquals(40, r3.images().get(i).provenance().seed());
        }
        assertEquals(40, r3.seed());
        assertEquals(7, r1.seed());
        assertEquals(7, r1.images().get(0).pixel(0, 0, 0));
        assertEquals("0", r1.images().get(0).provenance().extras().get("image_index"));
        assertEquals("one", r1.images().get(0).provenance().prompt());
        assertTrue(r1.timingsMs().containsKey("queue"));
    }

    @Test
    void aRequestWithoutSeedGetsOneAtArrival() {
        service = ImageService.builder(fake).maxBatch(1).build();
        fake.open();
        ImageJob j = service.submit(GenerationRequest.builder().prompt("x").imagesPerPrompt(2).size(64, 64).build());
        List<Long> seeds = j.seeds();
        assertEquals(2, seeds.size());
        assertEquals(seeds.get(0) + 1, seeds.get(1));
        assertEquals(seeds.get(0), j.join().seed());
    }

    @Test
    void aRejectedMemberFailsAloneAndTheRestOfItsBatchSucceeds() {
        service = ImageService.builder(fake).maxBatch(4).batchWindow(Duration.ofMillis(300)).build();
        fake.open();
        ImageJob good = service.submit(req("good", 64));
        ImageJob bad = service.submit(req("BAD one", 64));
        ImageJob good2 = service.submit(req("good2", 64));
        assertEquals(1, good.join().images().size());
        assertEquals(1, good2.join().images().size());
        assertInstanceOf(InvalidRequestException.class, cause(bad));
    }

    @Test
    void aRawPipelineFailureBecomesASprintException() {
        service = ImageService.builder(fake).maxBatch(1).build();
        fake.open();
        SprintException e = assertThrows(SprintException.class, () -> service.generate(req("BOOM", 64)));
        assertInstanceOf(IllegalStateException.class, e.getCause());
        assertEquals(1, service.generate(req("fine", 64)).images().size(), "the worker survived");
    }

    @Test
    void requestsThatCanNeverRunAreRejectedOnSubmit() {
        service = ImageService.builder(fake).build();
        assertThrows(InvalidRequestException.class, () -> service.submit(GenerationRequest.builder().build()));
        assertThrows(InvalidRequestException.class, () -> service.submit(
                GenerationRequest.builder().prompt("a").imagesPerPrompt(2).seeds(List.of(1L)).build()));
        assertThrows(InvalidRequestException.class, () -> service.submit(req("a", 64), Duration.ZERO));
    }

    @Test
    void statusReportsProgressOfTheRunningBatch() {
        service = ImageService.builder(fake).maxBatch(1).build();
        ImageJob j = service.submit(req("a", 64));
        Await.until(() -> j.status().step() == 2, "both steps");
        JobStatus s = j.status();
        assertEquals(JobStatus.State.RUNNING, s.state());
        assertEquals("step", s.stage());
        assertEquals(2, s.steps());
        assertEquals(1, s.batchSize());
        fake.open();
        j.join();
        assertEquals(JobStatus.State.DONE, j.status().state());
    }

    @Test
    void shutdownFinishesRunningAndQueuedWorkAndRefusesNewRequests() throws Exception {
        service = ImageService.builder(fake).maxBatch(1).build();
        ImageJob running = service.submit(req("a", 64));
        ImageJob queued = service.submit(req("b", 64));
        Await.until(() -> fake.calls.size() == 1, "the first call");
        CompletableFuture<Void> stopping = CompletableFuture.runAsync(() -> service.shutdown(Duration.ofSeconds(10)));
        Await.until(service::isShuttingDown, "shutdown to begin");
        assertThrows(ServiceClosedException.class, () -> service.submit(req("c", 64)));
        fake.open();
        stopping.get(10, TimeUnit.SECONDS);
        assertEquals(1, running.join().images().size());
        assertEquals(1, queued.join().images().size());
    }

    @Test
    void shutdownPastItsGraceFailsWhatIsLeftExplicitly() {
        service = ImageService.builder(fake).maxBatch(1).build();
        ImageJob running = service.submit(req("a", 64));
        ImageJob queued = service.submit(req("b", 64));
        Await.until(() -> fake.calls.size() == 1, "the first call");
        service.shutdown(Duration.ofMillis(100));
        assertInstanceOf(ServiceClosedException.class, cause(running));
        assertInstanceOf(ServiceClosedException.class, cause(queued));
    }
}
