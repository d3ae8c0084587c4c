package dev.sprint.core.hub;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelDownloadException.Reason;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The state of one download call: cancellation (the caller's token, or an abort after another worker
 * failed), byte counters, and serialized delivery to the {@link DownloadListener}.
 */
final class DownloadJob {
    final String repoId;
    private final DownloadListener listener;
    private final CancellationToken token;
    private volatile boolean aborted;
    private volatile String commit;
    private final AtomicLong transferred = new AtomicLong();

    // guarded by this
    private final Map<String, long[]> files = new HashMap<>(); // path -> {bytes present, size}
    private long bytes;
    private long total;
    private int filesDone;
    private boolean started;

    DownloadJob(String repoId, DownloadListener listener, CancellationToken token) {
        this.repoId = repoId;
        this.listener = listener;
        this.token = token;
    }

    void commit(String c) {
        commit = c;
    }

    boolean cancelled() {
        return aborted || (token != null && token.isCancelled());
    }

    /** Stops the other workers of this job (after one of them failed). */
    void abort() {
        aborted = true;
    }

    void throwIfCancelled() {
        if (cancelled()) {
            throw new ModelDownloadException(Reason.CANCELLED, "download of " + repoId + " cancelled"
                    + " (finished files stay in the cache's blobs/, a partial one in blobs/*.incomplete is resumed next time)");
        }
    }

    /** Sleeps in short slices so that a cancellation is seen promptly. */
    void sleep(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (true) {
            throwIfCancelled();
            long left = end - System.nanoTime();
            if (left <= 0) return;
            try {
                Thread.sleep(Math.min(50, Math.max(1, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                abort();
                throwIfCancelled();
            }
        }
    }

    long transferred() {
        return transferred.get();
    }

    void addTransferred(long n) {
        transferred.addAndGet(n);
    }

    /** Registers a file with its size and the bytes already present (a cached blob, a resumable partial). */
    synchronized void addFile(String path, long size, long present) {
        long[] old = files.put(path, new long[] {present, size});
        if (old != null) {
            bytes -= old[0];
            total -= old[1];
        }
        bytes += present;
        total += size;
        if (present >= size && old == null) filesDone++;
    }

    /** All files are known: tells the listener the plan. */
    synchronized void start() {
        started = true;
        listener.onStart(progress(null));
    }

    /** Bytes present of one file now (may go down when a server ignores a Range and the file restarts). */
    synchronized void fileBytes(String path, long present) {
        long[] f = files.get(path);
        if (f == null || f[0] == present) return;
        bytes += present - f[0];
        f[0] = present;
        if (started) listener.onProgress(progress(path));
    }

    /** A file is complete and verified in blobs/. */
    synchronized void fileDone(String path) {
        long[] f = files.get(path);
        if (f == null) return;
        bytes += f[1] - f[0];
        f[0] = f[1];
        filesDone++;
        if (started) listener.onFileDone(progress(path));
    }

    synchronized void finish(HubSnapshot s) {
        listener.onFinish(s);
    }

    private DownloadProgress progress(String path) {
        long[] f = path == null ? null : files.get(path);
        return new DownloadProgress(repoId, commit, path, f == null ? 0 : f[0], f == null ? 0 : f[1], bytes, total,
                filesDone, files.size());
    }
}
