package dev.sprint.core.hub;

import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelDownloadException.Reason;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscriber;
import java.net.http.HttpResponse.BodySubscribers;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings one file into {@code blobs/<etag>}: under the blob's lock, bytes go to {@code blobs/<etag>.incomplete};
 * an existing partial is resumed with {@code Range: bytes=N-} (a {@code 200} answer restarts the file); a
 * dropped connection or a stall is retried with backoff, resuming where it stopped, up to the retry budget
 * (which refills whenever bytes arrive, as in huggingface_hub). Only a file of the announced size whose
 * checksum matches the ETag is moved into place; a wrong checksum deletes the partial.
 * <p>Against a hostile server or a shared cache: a body is never written past the announced size (the transfer
 * is cut and the partial deleted the moment more arrives); the partial is opened without following a symbolic
 * link; the checksum is computed from the file on disk once it is complete (not from the bytes as they
 * streamed), and the file moved is checked to be that same file, unchanged in size.
 */
final class BlobFetch {
    private static final Logger LOG = LoggerFactory.getLogger(BlobFetch.class);
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");
    private static final int MAX_REDIRECTS = 10;

    private final HubHttp http;

    BlobFetch(HubHttp http) {
        this.http = http;
    }

    /**
     * Makes sure {@code blobs/<etag>} exists and is verified; true when this call downloaded it. {@code refresh}
     * re-reads the file's metadata (a fresh CDN URL) when a signed location has expired.
     */
    boolean fetch(HubHttp.FileMeta meta, CacheWriter cache, DownloadJob job, Supplier<HubHttp.FileMeta> refresh) {
        Path blob = cache.blob(meta.etag());
        if (Files.isRegularFile(blob)) {
            job.fileDone(meta.path());
            return false;
        }
        try (BlobLock lock = BlobLock.acquire(cache.lockFile(meta.etag()), job)) {
            if (Files.isRegularFile(blob)) { // another process or thread finished it while we waited
                job.fileDone(meta.path());
                return false;
            }
            Path part = cache.incomplete(meta.etag());
            Verified v = download(meta, part, job, refresh, true);
            if (v == null) v = download(meta, part, job, refresh, false);
            moveIntoPlace(part, blob, v.fileKey(), meta.size());
        }
        job.fileDone(meta.path());
        return true;
    }

    /**
     * Renames the verified partial to the blob, after checking that {@code part} still is the file that was
     * verified ({@code fileKey}: device and inode; null where the file system has none) with the verified size,
     * and that the blob is that file afterwards. Another program replacing the partial in between (a
     * huggingface_hub process does not see our lock) is caught; the blob is then deleted.
     */
    private static void moveIntoPlace(Path part, Path blob, Object fileKey, long size) {
        try {
            checkSameFile(part, fileKey, size);
            try {
                Files.move(part, blob, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(part, blob, StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                checkSameFile(blob, fileKey, size);
            } catch (ModelDownloadException e) {
                deleteQuietly(blob);
                throw e;
            }
        } catch (IOException e) {
            throw new ModelDownloadException(Reason.IO, "cannot move " + part + " to " + blob + ": " + e.getMessage(), e);
        }
    }

    private static void checkSameFile(Path p, Object fileKey, long size) throws IOException {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile() || a.size() != size || (fileKey != null && !fileKey.equals(a.fileKey()))) {
            throw new ModelDownloadException(Reason.CHECKSUM_MISMATCH, p + " changed after it was verified (another program"
                    + " writes this cache folder?); nothing was added to the cache, download again");
        }
    }

    /**
     * Opens the partial file for reading and writing without following a symbolic link: a link in its place
     * (left by anyone who can write the cache) is removed, never written through.
     */
    private static FileChannel openPartial(Path part) throws IOException {
        if (Files.isSymbolicLink(part)) {
            LOG.warn("{} is a symbolic link, not a partial download; removing the link (its target is left alone)", part);
            Files.delete(part);
        }
        return FileChannel.open(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ,
                LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Downloads into {@code part} until it is complete and verified, and returns the verified file's identity.
     * Returns null when the checksum failed on a file that had been resumed from an earlier partial (which may
     * itself have been corrupt): the partial is deleted and the caller may try once more from zero.
     */
    private Verified download(HubHttp.FileMeta meta, Path part, DownloadJob job, Supplier<HubHttp.FileMeta> refresh,
            boolean mayRetryFresh) {
        String path = meta.path();
        long size = meta.size();
        Checksum sum = Checksum.forEtag(meta.etag(), size);
        boolean resumed;
        long have;
        long finalSize;
        String actual;
        try (FileChannel ch = openPartial(part)) {
            Object fileKey = Files.readAttributes(part, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            have = ch.size();
            if (have > size) {
                LOG.info("{} is longer than {} ({} bytes); starting over", part, path, have);
                ch.truncate(0);
                have = 0;
            }
            resumed = have > 0;
            if (resumed) LOG.info("resuming {} of {} at byte {} of {}", path, job.repoId, have, size);
            job.fileBytes(path, have);
            HubHttp.FileMeta current = meta;
            boolean refreshed = false;
            int failures = 0;
            Duration wait = http.backoff;
            while (have < size) {
                job.throwIfCancelled();
                long before = have;
                Attempt a = new Attempt(current.location(), have);
                try {
                    have = transfer(a, ch, size, path, job);
                    if (have < size && a.status != 416) {
                        throw new IOException("the connection ended after " + have + " of " + size + " bytes");
                    }
                } catch (IOException e) {
                    have = a.position;
                    if (have > before) {
                        failures = 0; // progress refills the retry budget
                        wait = http.backoff;
                    }
                    if (++failures > http.retries) {
                        throw new ModelDownloadException(Reason.NETWORK, "downloading '" + path + "' of " + job.repoId
                                + " failed " + failures + " times in a row (" + message(e) + "); " + have + " of " + size
                                + " bytes are kept in " + part + " and the next download resumes there", e);
                    }
                    LOG.warn("downloading {} of {} failed at byte {} of {} ({}); resuming in {} ms", path, job.repoId, have,
                            size, message(e), wait.toMillis());
                    job.sleep(wait);
                    wait = wait.multipliedBy(2).compareTo(Duration.ofSeconds(8)) > 0 ? Duration.ofSeconds(8) : wait.multipliedBy(2);
                } catch (StaleLocation e) {
                    if (refreshed) throw e.error;
                    refreshed = true;
                    LOG.info("{} answered HTTP {} for {}; asking the Hub for a fresh location", a.url.getHost(), e.status, path);
                    HubHttp.FileMeta fresh = refresh.get();
                    if (!fresh.etag().equals(meta.etag()) || fresh.size() != size) {
                        throw new ModelDownloadException(Reason.PROTOCOL, "'" + path + "' of " + job.repoId + " changed while"
                                + " downloading (ETag " + meta.etag() + " -> " + fresh.etag() + "); download again");
                    }
                    current = fresh;
                }
                job.fileBytes(path, have);
            }
            ch.force(true); // the blob must be durable before a snapshot link can point at it
            finalSize = ch.size();
            // the bytes on disk are what is checked (and then moved), not the bytes as they streamed by
            actual = finalSize == size ? hashFile(ch, size, sum, job) : null;
            if (finalSize == size && (actual == null || actual.equals(sum.expected()))) {
                return new Verified(fileKey);
            }
        } catch (Oversize e) {
            deleteQuietly(part); // a server that sends more than it announced is not trusted with a resume either
            throw new ModelDownloadException(Reason.CHECKSUM_MISMATCH, "'" + path + "' of " + job.repoId + ": " + e.getMessage()
                    + "; the transfer was stopped there and the partial file deleted", e);
        } catch (IOException e) {
            throw new ModelDownloadException(Reason.IO, "cannot write " + part + ": " + e.getMessage()
                    + " (disk full? the cache folder follows HF_HUB_CACHE / HF_HOME)", e);
        }
        deleteQuietly(part); // wrong bytes are never kept, not even for a resume
        if (finalSize != size) {
            throw new ModelDownloadException(Reason.CHECKSUM_MISMATCH, "'" + path + "' of " + job.repoId + " arrived with "
                    + finalSize + " bytes instead of the " + size + " the Hub announced; the partial file was deleted,"
                    + " download again");
        }
        if (resumed && mayRetryFresh) {
            LOG.warn("{} of {}: the {} of the resumed download does not match; the earlier partial was corrupt,"
                    + " downloading it again from the start", path, job.repoId, sum.label());
            return null;
        }
        throw new ModelDownloadException(Reason.CHECKSUM_MISMATCH, "'" + path + "' of " + job.repoId + " is corrupt: its "
                + sum.label() + " is " + actual + " but the Hub's ETag says " + sum.expected() + ". The download was"
                + " deleted (nothing was added to the cache); download again, and if it persists, check proxies"
                + " that may alter downloads");
    }

    private static String message(Throwable e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }

    /** The checksum of the first {@code n} bytes of the file (null for an ETag that is no hash); cancellable. */
    private static String hashFile(FileChannel ch, long n, Checksum sum, DownloadJob job) throws IOException {
        if (sum.kind() == Checksum.Kind.NONE) return null;
        sum.reset();
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        long pos = 0;
        while (pos < n) {
            if ((pos & ((64 << 20) - 1)) == 0) job.throwIfCancelled();
            b.clear().limit((int) Math.min(b.capacity(), n - pos));
            int r = ch.read(b, pos);
            if (r < 0) throw new IOException("the file shrank while it was being verified");
            b.flip();
            sum.update(b);
            pos += r;
        }
        return sum.finish();
    }

    static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", p, e.getMessage());
        }
    }

    /** A complete partial file whose checksum matched; {@code fileKey}: its device and inode, or null where there are none. */
    private record Verified(Object fileKey) {}

    /** One GET (following redirects): where it started, where it got to, what the server said. */
    private static final class Attempt {
        URI url;
        volatile long position;
        int status;

        Attempt(URI url, long position) {
            this.url = url;
            this.position = position;
        }
    }

    /** A signed CDN URL that no longer works (HTTP 401/403/404/410 off the Hub endpoint): ask the Hub again. */
    private static final class StaleLocation extends RuntimeException {
        final int status;
        final ModelDownloadException error;

        StaleLocation(int status, ModelDownloadException error) {
            super(error.getMessage(), null, false, false);
            this.status = status;
            this.error = error;
        }
    }

    /** The server sent more bytes than the file has: never retried, never kept. */
    private static final class Oversize extends RuntimeException {
        Oversize(String message) {
            super(message);
        }
    }

    /** A disk write failed inside the body subscriber: not a network error, never retried. */
    private static final class DiskFailure extends RuntimeException {
        DiskFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    /**
     * GETs the rest of the file from {@code a.position}, following redirects (the token only on the endpoint's
     * host, see {@link HubHttp#request}). Returns the new length of the partial file. Retryable failures are
     * IOExceptions, with {@code a.position} telling how far it got.
     */
    private long transfer(Attempt a, FileChannel ch, long size, String path, DownloadJob job) throws IOException {
        HubHttp.Subject who = new HubHttp.Subject(job.repoId, null, path);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            long offset = a.position;
            HttpRequest.Builder rb = http.request(a.url, http.stallTimeout).GET();
            if (offset > 0) rb.header("Range", "bytes=" + offset + "-");
            AtomicReference<FileSink> sinkRef = new AtomicReference<>();
            AtomicReference<byte[]> errorBody = new AtomicReference<>(new byte[0]);
            HttpResponse.BodyHandler<Void> handler = info -> {
                int s = info.statusCode();
                long start = -1;
                if (s == 200) start = 0;
                if (s == 206) start = rangeStart(info.headers());
                if (start == 0 || (s == 206 && start == offset)) {
                    FileSink sink = new FileSink(ch, start, start < offset, size, job);
                    sinkRef.set(sink);
                    return sink;
                }
                return BodySubscribers.mapping(BoundedBody.truncating(BoundedBody.MAX_ERROR_BYTES), b -> {
                    errorBody.set(b);
                    return null;
                });
            };
            CompletableFuture<HttpResponse<Void>> f = http.client().sendAsync(rb.build(), handler);
            HttpResponse<Void> r = awaitBody(f, sinkRef, a, job, path);
            FileSink sink = sinkRef.get();
            int s = r.statusCode();
            a.status = s;
            if (sink != null) {
                if (sink.restarted) LOG.info("{} ignored the Range request for {}; downloading it from the start", a.url.getHost(), path);
                a.position = sink.position();
                return a.position;
            }
            if (s == 206 || s == 416) { // a range we did not ask for, or one past the end: start the file over
                LOG.info("{} answered HTTP {} to Range bytes={}- for {}; starting the file over", a.url.getHost(), s, offset, path);
                ch.truncate(0);
                a.position = 0;
                if (offset == 0) {
                    throw new ModelDownloadException(Reason.PROTOCOL, HubHttp.shown(a.url) + " answered HTTP " + s + " to a plain GET");
                }
                a.status = 416;
                return 0;
            }
            if (HubHttp.isRedirect(s)) {
                a.url = HubHttp.redirectTarget(r, a.url, who);
                continue;
            }
            if (HubHttp.retryableStatus(s)) throw new IOException("HTTP " + s + " from " + a.url.getHost());
            ModelDownloadException err = http.error(s, r.headers(), errorBody.get(), a.url, who);
            if (!http.onEndpoint(a.url) && (s == 401 || s == 403 || s == 404 || s == 410)) throw new StaleLocation(s, err);
            throw err;
        }
        throw new ModelDownloadException(Reason.PROTOCOL, "too many redirects downloading " + path);
    }

    /** Start offset of a {@code Content-Range: bytes a-b/n}; -1 when absent or malformed. */
    static long rangeStart(HttpHeaders h) {
        String v = h.firstValue("Content-Range").orElse(null);
        if (v == null) return -1;
        Matcher m = CONTENT_RANGE.matcher(v.trim());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Waits for the whole body, reporting progress about every 100 ms; stops the transfer on cancellation or
     * when no byte arrived for the stall timeout (HF_HUB_DOWNLOAD_TIMEOUT).
     */
    private HttpResponse<Void> awaitBody(CompletableFuture<HttpResponse<Void>> f, AtomicReference<FileSink> sinkRef, Attempt a,
            DownloadJob job, String path) throws IOException {
        long started = System.nanoTime();
        long stallNanos = http.stallTimeout.toNanos();
        while (true) {
            FileSink sink = sinkRef.get();
            if (job.cancelled()) {
                stop(f, sink, a);
                job.throwIfCancelled();
            }
            try {
                HttpResponse<Void> r = f.get(100, TimeUnit.MILLISECONDS);
                if (sink == null) sink = sinkRef.get();
                if (sink != null) sink.close(); // no late write may follow the answer
                return r;
            } catch (TimeoutException e) {
                long last = sink != null ? Math.max(started, sink.lastActivity) : started;
                if (System.nanoTime() - last > stallNanos) {
                    stop(f, sink, a);
                    throw new java.net.http.HttpTimeoutException("no data for " + http.stallTimeout.toMillis() + " ms");
                }
                if (sink != null) job.fileBytes(path, sink.position());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop(f, sink, a);
                job.abort();
                job.throwIfCancelled();
            } catch (ExecutionException e) {
                stop(f, sinkRef.get(), a);
                Throwable c = e.getCause();
                while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) c = c.getCause();
                if (c instanceof DiskFailure d) throw new ModelDownloadException(Reason.IO, "cannot write the download of "
                        + path + ": " + d.getMessage() + " (disk full?)", d.getCause());
                if (c instanceof Oversize o) throw new Oversize(o.getMessage()); // thrown again on this thread: its trace
                if (c instanceof IOException io) throw io;
                if (c instanceof RuntimeException re) throw re;
                throw new IOException(c);
            }
        }
    }

    private static void stop(CompletableFuture<?> f, FileSink sink, Attempt a) {
        if (sink != null) {
            sink.close();
            a.position = sink.position();
        }
        f.cancel(true);
    }

    /**
     * Writes a response body into the partial file at increasing positions, never past {@code size}: the first
     * byte beyond it stops the transfer ({@link Oversize}). After {@link #close()} it writes nothing more, so a
     * later attempt can safely reuse the channel.
     */
    private static final class FileSink implements BodySubscriber<Void> {
        private final FileChannel ch;
        private final long size;
        private final DownloadJob job;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        final boolean restarted;
        private long position;
        private boolean closed;
        private Flow.Subscription subscription;
        volatile long lastActivity = System.nanoTime();

        FileSink(FileChannel ch, long start, boolean restart, long size, DownloadJob job) {
            this.ch = ch;
            this.position = start;
            this.restarted = restart;
            this.size = size;
            this.job = job;
        }

        synchronized long position() {
            return position;
        }

        @Override
        public synchronized void onSubscribe(Flow.Subscription s) {
            subscription = s;
            if (closed) {
                s.cancel();
                return;
            }
            if (restarted) {
                try {
                    ch.truncate(0);
                } catch (IOException e) {
                    fail(s, e);
                    return;
                }
            }
            s.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> items) {
            Flow.Subscription s;
            synchronized (this) {
                s = subscription;
                if (closed) return;
                long n = 0;
                try {
                    for (ByteBuffer b : items) {
                        if (b.remaining() > size - position) {
                            closed = true;
                            s.cancel();
                            done.completeExceptionally(new Oversize("the server sent more than the " + size
                                    + " bytes announced"));
                            return;
                        }
                        while (b.hasRemaining()) {
                            int w = ch.write(b, position);
                            position += w;
                            n += w;
                        }
                    }
                } catch (IOException e) {
                    fail(s, e);
                    return;
                }
                job.addTransferred(n);
                lastActivity = System.nanoTime();
            }
            s.request(1);
        }

        private void fail(Flow.Subscription s, IOException e) {
            closed = true;
            s.cancel();
            done.completeExceptionally(new DiskFailure(e));
        }

        @Override
        public void onError(Throwable t) {
            done.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            done.complete(null);
        }

        @Override
        public CompletionStage<Void> getBody() {
            return done;
        }

        void close() {
            Flow.Subscription s;
            synchronized (this) {
                if (closed) return;
                closed = true;
                s = subscription;
            }
            if (s != null && !done.isDone()) s.cancel();
        }
    }
}
