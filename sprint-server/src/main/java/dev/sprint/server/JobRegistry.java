package dev.sprint.server;

import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The HTTP server's jobs and whose they are. The server issues every job id (a random UUID, so ids cannot be
 * guessed or made to collide); what a client sends in {@code X-Sprint-Job-Id} is kept as the job's label, by
 * which its owner may also find it while it runs. A job belongs to the API key that submitted it: any other
 * key gets the same 404 as for an id that does not exist. An owner may have at most {@code maxPerOwner} jobs
 * queued or running (429 beyond).
 */
final class JobRegistry {
    private static final Pattern LABEL = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** One job of one owner; {@code job} is null between {@link #reserve} and {@link #attach}. */
    private static final class Entry {
        final String id;
        final String owner;
        final String label;
        ImageJob job;

        Entry(String id, String owner, String label) {
            this.id = id;
            this.owner = owner;
            this.label = label;
        }
    }

    private final int maxPerOwner;
    private final Map<String, Entry> byId = new HashMap<>();
    private final Map<String, Integer> active = new HashMap<>();

    JobRegistry(int maxPerOwner) {
        this.maxPerOwner = maxPerOwner;
    }

    /**
     * A new job id for {@code owner}, counted against its limit until {@link #release}.
     *
     * @param label the client's {@code X-Sprint-Job-Id}, or null
     * @throws ApiError 400 for a malformed or (for this owner) duplicate label, 429 over the owner's limit
     */
    synchronized String reserve(String owner, String label) {
        if (label != null) {
            if (!LABEL.matcher(label).matches()) {
                throw ApiError.invalid(SprintServer.JOB_HEADER + " must be 1-64 characters of A-Z, a-z, 0-9, '_', '.', '-'.",
                        SprintServer.JOB_HEADER, "invalid_value");
            }
            if (findLabel(owner, label) != null) {
                throw ApiError.invalid("You already have a request labelled '" + label + "' queued or running.", SprintServer.JOB_HEADER,
                        "duplicate_id");
            }
        }
        int n = active.getOrDefault(owner, 0);
        if (n >= maxPerOwner) {
            throw new ApiError(429, ApiError.RATE_LIMIT, "You have " + n + " requests queued or running, this server's limit per API key"
                    + " (--max-concurrent-per-key); wait for one to finish.", null, "too_many_concurrent_requests", 1);
        }
        String id = UUID.randomUUID().toString();
        byId.put(id, new Entry(id, owner, label));
        active.put(owner, n + 1);
        return id;
    }

    /** The job that runs under a reserved id. */
    synchronized void attach(String id, ImageJob job) {
        Entry e = byId.get(id);
        if (e != null) e.job = job;
    }

    /** Forgets a job: it finished, or it was never submitted. */
    synchronized void release(String id) {
        Entry e = byId.remove(id);
        if (e != null) active.merge(e.owner, -1, (a, b) -> a + b == 0 ? null : a + b);
    }

    /**
     * The owner's job with this id, or else with this label.
     *
     * @throws ApiError 404 when the owner has none (whether or not another owner has)
     */
    synchronized Found find(String owner, String idOrLabel) {
        Entry e = byId.get(idOrLabel);
        if (e == null || !e.owner.equals(owner)) e = findLabel(owner, idOrLabel);
        if (e == null || e.job == null) {
            throw new ApiError(404, ApiError.INVALID_REQUEST, "No request with id '" + idOrLabel + "' is queued or running.", "id",
                    "job_not_found", 0);
        }
        return new Found(e.id, e.label, e.job);
    }

    /** A job found for its owner: its id, its label (or null) and the job. */
    record Found(String id, String label, ImageJob job) {}

    private Entry findLabel(String owner, String label) {
        for (Entry e : byId.values()) {
            if (e.owner.equals(owner) && label.equals(e.label)) return e;
        }
        return null;
    }
}
