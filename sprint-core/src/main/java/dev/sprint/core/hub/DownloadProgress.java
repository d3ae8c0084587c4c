package dev.sprint.core.hub;

import java.util.Locale;

/**
 * Where one repo download stands. Byte counts include what was already in the cache (whole blobs, and
 * the part of an interrupted transfer that is resumed), so {@code bytes / totalBytes} is the fraction done.
 *
 * @param repoId     the repo, e.g. {@code Efficient-Large-Model/Sana_Sprint_0.6B_1024px_diffusers}
 * @param commit     the commit being downloaded (what the revision resolved to)
 * @param file       the file this event is about (repo-relative path), or null for repo-wide events
 * @param fileBytes  bytes of {@code file} present so far
 * @param fileSize   size of {@code file} in bytes
 * @param bytes      bytes present so far, over all files
 * @param totalBytes size of all files to download, in bytes
 * @param filesDone  files complete so far
 * @param files      number of files
 */
public record DownloadProgress(String repoId, String commit, String file, long fileBytes, long fileSize,
        long bytes, long totalBytes, int filesDone, int files) {

    /** The fraction done over all files, 0..1 (1 for an empty download). */
    public double fraction() {
        return totalBytes <= 0 ? 1.0 : Math.min(1.0, (double) bytes / totalBytes);
    }

    /** A byte count in decimal units, as huggingface_hub's progress bars show it: {@code 999 B}, {@code 3.21 GB}. */
    public static String formatBytes(long n) {
        if (n < 1000) return n + " B";
        String[] units = {"kB", "MB", "GB", "TB", "PB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : v >= 10 ? "%.1f %s" : "%.2f %s", v, units[u]);
    }
}
