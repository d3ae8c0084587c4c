package dev.sprint.api;

import java.util.Objects;

/**
 * A model could not be fetched from the Hugging Face Hub (or taken from the local cache when offline).
 * {@link #reason()} says why, so a caller can react (ask for a token, retry later, pick another revision);
 * the message names the repo, the revision or file, and what to do. A subclass of
 * {@link ModelLoadException}: code that catches load failures also catches download failures.
 */
public class ModelDownloadException extends ModelLoadException {
    /** Why a download failed. */
    public enum Reason {
        /** The repo does not exist, or it is private and no (or the wrong) token was sent. */
        REPO_NOT_FOUND,
        /** The repo is gated: its conditions must be accepted on the Hub, and a token of that account sent. */
        GATED_REPO,
        /** The branch, tag or commit does not exist in the repo. */
        REVISION_NOT_FOUND,
        /** The file does not exist in the repo at that revision. */
        ENTRY_NOT_FOUND,
        /** The Hub refused the token, or the token has no access (HTTP 401 / 403). */
        ACCESS_DENIED,
        /** The downloaded bytes do not match the size or checksum the Hub announced. */
        CHECKSUM_MISMATCH,
        /** The Hub could not be reached, or kept failing (connection errors, timeouts, HTTP 5xx) after retries. */
        NETWORK,
        /** Offline mode ({@code HF_HUB_OFFLINE=1}) and the files are not in the local cache. */
        OFFLINE,
        /** The download was cancelled through its cancellation token. */
        CANCELLED,
        /** The repo's files are not a layout Sprint can load (e.g. only {@code .bin} weights) and no file filter was given. */
        UNSUPPORTED_LAYOUT,
        /** The server did not answer like a Hugging Face Hub (missing commit, ETag or size headers). */
        PROTOCOL,
        /** The local cache folder could not be written. */
        IO
    }

    private final Reason reason;

    public ModelDownloadException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    public ModelDownloadException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the download failed. */
    public Reason reason() {
        return reason;
    }
}
