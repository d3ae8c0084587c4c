package dev.sprint.core.hub;

import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelDownloadException.Reason;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Exclusive right to write one blob: an in-process lock (file locks are per process) plus an OS lock on
 * {@code <cache>/.locks/models--org--name/<etag>.lock}, the file huggingface_hub locks. The lock file is
 * left in place, as Python's filelock does. On file systems without locking it degrades to the
 * in-process lock with a warning (huggingface_hub falls back to a soft lock there).
 * <p>Java's file lock is a POSIX record lock; Python's filelock uses {@code flock}. On Linux the two do
 * not see each other, so this serializes Sprint processes among themselves; a concurrent Python writer
 * of the same blob is still caught by the checksum check before anything is moved into place.
 *
 * @param local    the in-process lock, held
 * @param channel  the open lock file
 * @param fileLock the OS lock on it, or null where the file system has none
 */
record BlobLock(ReentrantLock local, FileChannel channel, FileLock fileLock) implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BlobLock.class);
    /** Process-wide, like the cache folder it guards; one entry per blob ever locked (a few hundred at most). */
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();
    private static final long LOG_EVERY_NANOS = Duration.ofSeconds(10).toNanos();

    static BlobLock acquire(Path lockFile, DownloadJob job) {
        Path key = lockFile.toAbsolutePath().normalize();
        ReentrantLock local = IN_PROCESS.computeIfAbsent(key, k -> new ReentrantLock());
        long start = System.nanoTime();
        long nextLog = start + LOG_EVERY_NANOS;
        try {
            while (!local.tryLock(100, TimeUnit.MILLISECONDS)) {
                job.throwIfCancelled();
                if (System.nanoTime() > nextLog) {
                    LOG.info("still waiting for {} (another download in this process writes the same file)", key);
                    nextLog += LOG_EVERY_NANOS;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            job.abort();
            job.throwIfCancelled();
        }
        FileChannel ch = null;
        try {
            Files.createDirectories(key.getParent());
            // not through a symbolic link: the lock file must not become a way to create files elsewhere
            ch = FileChannel.open(key, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    java.nio.file.LinkOption.NOFOLLOW_LINKS);
            FileLock fl;
            while ((fl = ch.tryLock()) == null) {
                job.sleep(Duration.ofMillis(100));
                if (System.nanoTime() > nextLog) {
                    LOG.info("still waiting for the lock {} (another process is downloading the same file; {} s)", key,
                            (System.nanoTime() - start) / 1_000_000_000L);
                    nextLog += LOG_EVERY_NANOS;
                }
            }
            return new BlobLock(local, ch, fl);
        } catch (IOException e) {
            if (ch != null && ch.isOpen()) {
                LOG.warn("cannot lock {} ({}); this file system has no locks, guarding against this process only", key,
                        e.getMessage());
                return new BlobLock(local, ch, null);
            }
            local.unlock();
            throw new ModelDownloadException(Reason.IO, "cannot create the lock file " + key + ": " + e.getMessage()
                    + " (is the Hugging Face cache folder writable? HF_HUB_CACHE / HF_HOME choose it)", e);
        } catch (RuntimeException | Error e) {
            closeQuietly(ch);
            local.unlock();
            throw e;
        }
    }

    @Override
    public void close() {
        try {
            if (fileLock != null && fileLock.isValid()) fileLock.release();
        } catch (IOException e) {
            LOG.debug("releasing a blob lock failed", e); // closing the channel releases it anyway
        } finally {
            closeQuietly(channel);
            local.unlock();
        }
    }

    private static void closeQuietly(FileChannel ch) {
        if (ch == null) return;
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing was written through it
        }
    }
}
