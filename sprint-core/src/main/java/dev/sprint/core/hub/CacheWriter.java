package dev.sprint.core.hub;

import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelDownloadException.Reason;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one repo's part of the cache exactly as huggingface_hub 0.35 does:
 * <pre>
 * models--org--name/blobs/&lt;etag&gt;                 the file (sha256 for LFS files, git blob sha1 otherwise)
 * models--org--name/blobs/&lt;etag&gt;.incomplete      a transfer in progress (resumable)
 * models--org--name/snapshots/&lt;commit&gt;/&lt;path&gt;    relative symlink, e.g. ../../../blobs/&lt;etag&gt; for a/b
 * models--org--name/refs/&lt;revision&gt;             the commit hash, no newline (not for a commit revision)
 * .locks/models--org--name/&lt;etag&gt;.lock
 * </pre>
 * Where symbolic links cannot be made (Windows without developer mode), the snapshot gets a copy of the blob.
 */
final class CacheWriter {
    private static final Logger LOG = LoggerFactory.getLogger(CacheWriter.class);

    private final HfCache cache;
    private final HfCache.RepoRef ref;
    private final Path repo;
    private volatile boolean warnedNoSymlinks;

    CacheWriter(HfCache cache, HfCache.RepoRef ref) {
        this.cache = cache;
        this.ref = ref;
        this.repo = cache.repoFolder(ref);
    }

    Path repoFolder() {
        return repo;
    }

    // every path below is checked to stay in its folder: names come from the server (ETags, commits, file names)

    Path blob(String etag) {
        return RepoPaths.under(repo.resolve("blobs"), etag, ref.repoId());
    }

    Path incomplete(String etag) {
        return RepoPaths.under(repo.resolve("blobs"), etag + ".incomplete", ref.repoId());
    }

    Path lockFile(String etag) {
        return RepoPaths.under(cache.locksFolder(ref), etag + ".lock", ref.repoId());
    }

    Path snapshot(String commit) {
        return RepoPaths.under(repo.resolve("snapshots"), commit, ref.repoId());
    }

    /** {@code snapshots/<commit>/<path>}; a repo path that is not safe on every platform is refused (see {@link RepoPaths}). */
    Path pointer(String commit, String path) {
        return RepoPaths.under(snapshot(commit), path, ref.repoId());
    }

    void createBlobsFolder() {
        try {
            Files.createDirectories(repo.resolve("blobs"));
        } catch (IOException e) {
            throw ioError("create", repo.resolve("blobs"), e);
        }
    }

    /**
     * Points {@code snapshots/<commit>/<path>} at {@code blobs/<etag>} with a relative symlink (kept if it
     * already resolves). {@code mayMoveBlob}: without symlinks, the blob may be moved rather than copied
     * (it was downloaded for this file only), as huggingface_hub does with a new blob.
     */
    void link(String commit, String path, String etag, boolean mayMoveBlob) {
        Path ptr = pointer(commit, path);
        Path blob = blob(etag);
        if (Files.isRegularFile(ptr)) return; // follows the link: present and readable
        try {
            Files.createDirectories(ptr.getParent());
            if (Files.isSymbolicLink(ptr)) Files.delete(ptr); // dangling (its blob was removed)
            Path target = ptr.getParent().relativize(blob);
            try {
                Files.createSymbolicLink(ptr, target);
                return;
            } catch (FileAlreadyExistsException e) {
                if (Files.isRegularFile(ptr)) return; // made concurrently by another download of the same commit
                throw e;
            } catch (UnsupportedOperationException | FileSystemException | SecurityException e) {
                if (!warnedNoSymlinks) {
                    warnedNoSymlinks = true;
                    LOG.warn("cannot create symbolic links in {} ({}); snapshots get copies of the files (more disk space)",
                            repo, e.getMessage());
                }
            }
            if (mayMoveBlob) {
                moveAtomically(blob, ptr);
            } else {
                Path tmp = repo.resolve("tmp_" + UUID.randomUUID());
                Files.copy(blob, tmp);
                moveAtomically(tmp, ptr);
            }
        } catch (IOException e) {
            throw ioError("link", ptr, e);
        }
    }

    /**
     * Records that {@code path} does not exist in the repo at {@code commit}: an empty file
     * {@code .no_exist/<commit>/<path>}, huggingface_hub's negative cache.
     */
    void markAbsent(String commit, String path) {
        Path p = RepoPaths.under(RepoPaths.under(repo.resolve(".no_exist"), commit, ref.repoId()), path, ref.repoId());
        try {
            Files.createDirectories(p.getParent());
            if (!Files.exists(p)) Files.createFile(p);
        } catch (FileAlreadyExistsException e) {
            // made concurrently
        } catch (IOException e) {
            LOG.warn("cannot record that {} has no {} ({}); ignored", ref, path, e.getMessage());
        }
    }

    /** Writes {@code refs/<revision>} = commit atomically (temporary file in the repo folder, then rename); not for a commit. */
    void writeRef(String revision, String commit) {
        if (revision.equals(commit)) return;
        Path refFile = RepoPaths.under(repo.resolve("refs"), revision, ref.repoId());
        try {
            if (Files.isRegularFile(refFile) && Files.readString(refFile, StandardCharsets.UTF_8).equals(commit)) return;
            Files.createDirectories(refFile.getParent());
            Path tmp = repo.resolve("tmp_" + UUID.randomUUID());
            Files.writeString(tmp, commit, StandardCharsets.UTF_8);
            moveAtomically(tmp, refFile);
        } catch (IOException e) {
            throw ioError("write", refFile, e);
        }
    }

    private static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static ModelDownloadException ioError(String what, Path p, IOException e) {
        return new ModelDownloadException(Reason.IO, "cannot " + what + " " + p + ": " + e.getMessage()
                + " (is the Hugging Face cache writable? HF_HUB_CACHE / HF_HOME choose where it is)", e);
    }
}
