package dev.sprint.core.hub;

/**
 * Progress callbacks of one {@link HubDownloader} download; every method has an empty default.
 * Calls are serialized (never two at once), though they may come from the downloader's worker threads;
 * a listener should return quickly. To stop a download, cancel its {@link dev.sprint.api.CancellationToken}.
 */
public interface DownloadListener {
    DownloadListener NONE = new DownloadListener() {};

    /**
     * The file list and sizes are known and transfers are about to start ({@code file} is null). Also
     * called with {@code files == 0} work left when everything was already cached.
     */
    default void onStart(DownloadProgress progress) {}

    /** Bytes arrived for {@code progress.file()} (throttled: about every 100 ms or 1 MiB per file). */
    default void onProgress(DownloadProgress progress) {}

    /** {@code progress.file()} is complete and verified in {@code blobs/}. */
    default void onFileDone(DownloadProgress progress) {}

    /** The snapshot is complete: every file linked into {@code snapshots/<commit>/} and the ref written. */
    default void onFinish(HubSnapshot snapshot) {}
}
