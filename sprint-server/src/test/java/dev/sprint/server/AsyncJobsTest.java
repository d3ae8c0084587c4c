package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonObject;
import dev.sprint.api.GenerationRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The async job table: owners, result lifetime, and its bound. */
class AsyncJobsTest {
    private final MutableClock clock = new MutableClock();

    private static ImageJob job(String id) {
        GenerationRequest r = GenerationRequest.of("a");
        return new ImageJob(null, id, r, BatchKey.of(r), null);
    }

    @Test
    void anotherOwnersJobIsUnknown() {
        AsyncJobs jobs = new AsyncJobs(4, Duration.ofMinutes(10), clock);
        AsyncJobs.Entry e = jobs.add("j1", "key-a", job("j1"));
        assertSame(e, jobs.get("j1", "key-a"));
        assertNull(jobs.get("j1", "key-b"));
        assertNull(jobs.get("j1", ""), "no key is not the owner either");
        assertNull(jobs.get("j2", "key-a"));
    }

    @Test
    void resultsAreKeptForTheirLifetimeFromTheEnd() {
        AsyncJobs jobs = new AsyncJobs(4, Duration.ofMinutes(10), clock);
        AsyncJobs.Entry e = jobs.add("j1", "", job("j1"));
        clock.advance(Duration.ofHours(5)); // running for long: never expires while unfinished
        assertNotNull(jobs.get("j1", ""));
        jobs.finish(e, new JsonObject());
        clock.advance(Duration.ofMinutes(9));
        assertNotNull(jobs.get("j1", "").result());
        clock.advance(Duration.ofMinutes(1));
        assertNull(jobs.get("j1", ""));
        assertEquals(0, jobs.size());
    }

    @Test
    void aFullTableDropsTheOldestFinishedJobOrRefuses() {
        AsyncJobs jobs = new AsyncJobs(2, Duration.ofMinutes(10), clock);
        AsyncJobs.Entry a = jobs.add("a", "", job("a"));
        jobs.add("b", "", job("b"));
        ApiError full = assertThrows(ApiError.class, () -> jobs.add("c", "", job("c")));
        assertEquals(429, full.status);
        assertEquals("too_many_jobs", full.code);
        jobs.finish(a, new JsonObject());
        jobs.add("c", "", job("c"));
        assertNull(jobs.get("a", ""), "the finished job made room");
        assertNotNull(jobs.get("b", ""));
        assertNotNull(jobs.get("c", ""));
    }
}
