package dev.sprint.server;

import com.google.gson.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Requests sent with {@code Prefer: respond-async}: each is kept under its id with its owner (the caller's identity:
 * the API key's id when the server checks keys, else the empty string) until its result has been kept for
 * {@code resultTtl}; at most {@code maxJobs} are kept, the oldest finished ones dropped first. A job asked for by
 * another owner is treated as unknown. Thread-safe.
 */
final class AsyncJobs {
    /** One async job: who submitted it, the service's job (status, cancel), when, and its result once finished. */
    static final class Entry {
        final String owner;
        final ImageJob job;
        final Instant created;
        private volatile JsonObject result;
        private volatile Instant expires;

        Entry(String owner, ImageJob job, Instant created) {
            this.owner = owner;
            this.job = job;
            this.created = created;
        }

        /** The body of the finished call (the synchronous response, or an error object), or null while it runs. */
        JsonObject result() {
            return result;
        }
    }

    private final int maxJobs;
    private final Duration resultTtl;
    private final Clock clock;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    AsyncJobs(int maxJobs, Duration resultTtl, Clock clock) {
        if (maxJobs < 1 || resultTtl.isNegative() || resultTtl.isZero()) {
            throw new IllegalArgumentException("async jobs need a positive count and result lifetime");
        }
        this.maxJobs = maxJobs;
        this.resultTtl = resultTtl;
        this.clock = clock;
    }

    /**
     * Records a submitted job.
     *
     * @throws ApiError 429 when {@code maxJobs} unfinished or unexpired jobs are kept and none can be dropped
     */
    synchronized Entry add(String id, String owner, ImageJob job) {
        purge();
        if (entries.size() >= maxJobs) {
            for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
                if (it.next().result != null) {
                    it.remove();
                    break;
                }
            }
        }
        if (entries.size() >= maxJobs) {
            throw new ApiError(429, ApiError.RATE_LIMIT, "This server keeps at most " + maxJobs + " async jobs and all are"
                    + " still running; retry later.", null, "too_many_jobs", 1);
        }
        Entry e = new Entry(owner, job, clock.instant());
        entries.put(id, e);
        return e;
    }

    /** Stores the finished body of a job; it is kept for {@code resultTtl} from now. */
    void finish(Entry e, JsonObject body) {
        e.expires = clock.instant().plus(resultTtl);
        e.result = body;
    }

    /** The job of this owner under this id, or null (unknown, expired, or another owner's). */
    synchronized Entry get(String id, String owner) {
        purge();
        Entry e = entries.get(id);
        return e == null || !e.owner.equals(owner) ? null : e;
    }

    /** Whether an id is taken (by any owner). */
    synchronized boolean contains(String id) {
        return entries.containsKey(id);
    }

    private void purge() {
        Instant now = clock.instant();
        entries.values().removeIf(e -> e.expires != null && !e.expires.isAfter(now));
    }

    synchronized int size() {
        purge();
        return entries.size();
    }
}
