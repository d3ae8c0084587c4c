package dev.sprint.examples;

import static dev.sprint.core.hub.DownloadProgress.formatBytes;

import dev.sprint.core.hub.DownloadListener;
import dev.sprint.core.hub.DownloadProgress;
import dev.sprint.core.hub.HubSnapshot;
import java.io.PrintStream;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Download progress for people: on a terminal one line redrawn in place — bar, percent, bytes, rate over the
 * last seconds, time left, current file; elsewhere (logs, CI) plain lines: one per finished file and one
 * every few seconds while a large file is transferring.
 */
final class DownloadProgressPrinter implements DownloadListener {
    private static final long REDRAW_NANOS = 100_000_000L;
    private static final long PLAIN_EVERY_NANOS = 5_000_000_000L;
    private static final long RATE_WINDOW_NANOS = 5_000_000_000L;

    private final PrintStream err;
    private final boolean terminal;
    private final int width;
    private final LongSupplier clock;
    private final Deque<long[]> samples = new ArrayDeque<>(); // {nanos, bytes}
    private long lastPrint;
    private int lastLength;
    private boolean drawn;

    DownloadProgressPrinter(PrintStream err, boolean terminal, int width, LongSupplier clock) {
        this.err = err;
        this.terminal = terminal;
        this.width = Math.max(60, width);
        this.clock = clock;
    }

    @Override
    public void onStart(DownloadProgress p) {
        long now = clock.getAsLong();
        samples.clear();
        samples.add(new long[] {now, p.bytes()});
        lastPrint = now;
        String cached = p.bytes() > 0 ? ", " + formatBytes(p.bytes()) + " already in the cache" : "";
        err.println(p.repoId() + " @ " + p.commit() + ": " + files(p.files()) + ", " + formatBytes(p.totalBytes()) + cached);
        if (terminal && p.bytes() < p.totalBytes()) draw(p, now);
    }

    @Override
    public void onProgress(DownloadProgress p) {
        long now = clock.getAsLong();
        sample(now, p.bytes());
        if (terminal) {
            if (now - lastPrint >= REDRAW_NANOS) draw(p, now);
        } else if (now - lastPrint >= PLAIN_EVERY_NANOS) {
            lastPrint = now;
            err.println("  " + status(p, now) + "  " + p.file() + " " + percent(p.fileBytes(), p.fileSize()));
        }
    }

    @Override
    public void onFileDone(DownloadProgress p) {
        long now = clock.getAsLong();
        sample(now, p.bytes());
        if (terminal) {
            draw(p, now);
        } else {
            lastPrint = now;
            err.println("  " + status(p, now) + "  done " + p.file() + " (" + formatBytes(p.fileSize()) + ")");
        }
    }

    @Override
    public void onFinish(HubSnapshot s) {
        if (terminal && drawn) err.println();
        err.println("downloaded " + formatBytes(s.downloadedBytes()) + "; " + files(s.files().size()) + " in " + s.folder());
    }

    /** Keeps the samples of the last few seconds (and at least two) for the rate. */
    private void sample(long now, long bytes) {
        samples.add(new long[] {now, bytes});
        while (samples.size() > 2 && now - samples.peekFirst()[0] > RATE_WINDOW_NANOS) samples.removeFirst();
    }

    /** Bytes per second over the sample window; 0 until time has passed. */
    double rate() {
        if (samples.size() < 2) return 0;
        long[] a = samples.peekFirst();
        long[] b = samples.peekLast();
        double secs = (b[0] - a[0]) / 1e9;
        return secs <= 0 ? 0 : Math.max(0, (b[1] - a[1]) / secs);
    }

    String status(DownloadProgress p, long now) {
        double rate = rate();
        String eta = rate > 0 ? "ETA " + duration((p.totalBytes() - p.bytes()) / rate) : "ETA --";
        return String.format(Locale.ROOT, "%3.0f%%  %s/%s  %s/s  %s  (%d/%d files)", 100 * p.fraction(), formatBytes(p.bytes()),
                formatBytes(p.totalBytes()), formatBytes((long) rate), eta, p.filesDone(), p.files());
    }

    private void draw(DownloadProgress p, long now) {
        lastPrint = now;
        int barWidth = 24;
        int filled = (int) Math.round(barWidth * p.fraction());
        StringBuilder bar = new StringBuilder("[");
        for (int i = 0; i < barWidth; i++) bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        bar.append("] ").append(status(p, now));
        if (p.file() != null) {
            int room = width - 1 - bar.length() - 2;
            String f = p.file();
            if (f.length() > room) f = room > 8 ? "..." + f.substring(f.length() - (room - 3)) : "";
            if (!f.isEmpty()) bar.append("  ").append(f);
        }
        String line = bar.length() > width - 1 ? bar.substring(0, width - 1) : bar.toString();
        int pad = Math.max(0, lastLength - line.length());
        err.print("\r" + line + " ".repeat(pad));
        err.flush();
        lastLength = line.length();
        drawn = true;
    }

    private static String files(int n) {
        return n == 1 ? "1 file" : n + " files";
    }

    private static String percent(long a, long b) {
        return b <= 0 ? "" : String.format(Locale.ROOT, "%.0f%%", 100.0 * a / b);
    }

    static String duration(double seconds) {
        long s = Math.max(0, Math.round(seconds));
        if (s < 60) return s + " s";
        if (s < 3600) return String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
        return String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60);
    }
}
