package dev.sprint.core.hub;

import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The progress of downloads started implicitly ({@code Pipeline.builder().model(repoId)}), as slf4j INFO
 * lines: the plan, then a line about every 10 s with the rate and the time left, then the result.
 */
final class LoggingListener implements DownloadListener {
    private static final Logger LOG = LoggerFactory.getLogger(HubDownloader.class);
    private static final long EVERY_NANOS = 10_000_000_000L;

    private long startNanos;
    private long startBytes;
    private long lastLog;

    @Override
    public void onStart(DownloadProgress p) {
        startNanos = System.nanoTime();
        lastLog = startNanos;
        startBytes = p.bytes();
        if (p.bytes() < p.totalBytes()) {
            LOG.info("downloading {} (commit {}): {} files, {}{}", p.repoId(), shortCommit(p.commit()), p.files(),
                    DownloadProgress.formatBytes(p.totalBytes()), p.bytes() > 0 ? " (" + DownloadProgress.formatBytes(p.bytes()) + " already in the cache)" : "");
        }
    }

    @Override
    public void onProgress(DownloadProgress p) {
        long now = System.nanoTime();
        if (now - lastLog < EVERY_NANOS) return;
        lastLog = now;
        LOG.info("{}: {}", p.repoId(), status(p, now));
    }

    String status(DownloadProgress p, long now) {
        double secs = (now - startNanos) / 1e9;
        double rate = secs > 0 ? (p.bytes() - startBytes) / secs : 0;
        String eta = rate > 0 ? ", about " + duration((p.totalBytes() - p.bytes()) / rate) + " left" : "";
        return String.format(Locale.ROOT, "%.0f%% of %s, %d/%d files, %s/s%s", 100 * p.fraction(), DownloadProgress.formatBytes(p.totalBytes()),
                p.filesDone(), p.files(), DownloadProgress.formatBytes((long) rate), eta);
    }

    @Override
    public void onFinish(HubSnapshot s) {
        if (s.downloadedBytes() > 0) {
            LOG.info("downloaded {}@{} ({} in {}) to {}", s.repoId(), s.revision(), DownloadProgress.formatBytes(s.downloadedBytes()),
                    duration((System.nanoTime() - startNanos) / 1e9), s.folder());
        }
    }

    static String shortCommit(String c) {
        return c == null ? "?" : c.substring(0, Math.min(10, c.length()));
    }

    static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        if (s < 60) return s + " s";
        if (s < 3600) return (s / 60) + " min " + (s % 60) + " s";
        return (s / 3600) + " h " + ((s % 3600) / 60) + " min";
    }
}
