package dev.sprint.core.hub;

import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelDownloadException.Reason;
import dev.sprint.api.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns what a user passes as "the model" into a local folder: an existing directory is used as is;
 * anything else is read as a Hugging Face repo id ({@code org/name[@revision]}). A repo whose cached
 * snapshot is complete for Sprint (see {@link HubDownloader#download(String)}) is used without any network
 * request; otherwise it is downloaded (or completed) into the cache, unless offline
 * ({@code HF_HUB_OFFLINE=1}), in which case only the cache is used. {@code ./sprint download} refreshes a
 * branch to its newest commit.
 */
public final class ModelLocator {
    private static final Logger LOG = LoggerFactory.getLogger(ModelLocator.class);

    private final HfCache cache;
    private final HubDownloader hub;

    /** A locator that only reads the cache and never downloads. */
    public ModelLocator(HfCache cache) {
        this.cache = Objects.requireNonNull(cache, "cache");
        this.hub = null;
    }

    /** A locator that downloads missing repos with {@code hub} (into its cache). */
    public ModelLocator(HubDownloader hub) {
        this.hub = Objects.requireNonNull(hub, "hub");
        this.cache = hub.cache();
    }

    /**
     * Resolves with this process's environment: the Hugging Face cache, downloading what is missing (progress
     * logged through slf4j) unless {@code HF_HUB_OFFLINE} is set.
     */
    public static Path resolve(String pathOrRepoId) {
        Objects.requireNonNull(pathOrRepoId, "model");
        try {
            Path local = Path.of(pathOrRepoId);
            if (!pathOrRepoId.isBlank() && Files.isDirectory(local)) return local; // no downloader needed
        } catch (InvalidPathException ignored) {
            // not a path on this OS; may still be a repo id
        }
        return new ModelLocator(HubDownloader.builder().listener(new LoggingListener()).build()).locate(pathOrRepoId);
    }

    public HfCache cache() {
        return cache;
    }

    /** An existing directory, else the (downloaded if needed) snapshot of a repo id; a {@link ModelLoadException} otherwise. */
    public Path locate(String pathOrRepoId) {
        Objects.requireNonNull(pathOrRepoId, "model");
        if (pathOrRepoId.isBlank()) throw new ModelLoadException("no model given (empty path / repo id)");
        Path local = null;
        try {
            local = Path.of(pathOrRepoId);
        } catch (InvalidPathException ignored) {
            // not a path on this OS; may still be a repo id
        }
        if (local != null && Files.isDirectory(local)) return local;
        if (HfCache.looksLikeRepoId(pathOrRepoId) && !looksLikePath(pathOrRepoId)) {
            return hub == null ? cache.resolve(pathOrRepoId) : fromHub(pathOrRepoId);
        }
        if (local != null && Files.exists(local)) {
            throw new ModelLoadException(pathOrRepoId + " is a file; pass the model's folder (with model_index.json)");
        }
        throw new ModelLoadException("model folder " + pathOrRepoId + " does not exist, and it is not a Hugging Face"
                + " repo id (org/name[@revision]) either");
    }

    private Path fromHub(String repoId) {
        HfCache.RepoRef ref = HfCache.parse(repoId);
        Optional<Path> cached = cache.find(ref);
        List<String> missing = List.of();
        if (cached.isPresent()) {
            missing = RepoLayout.missing(cached.get());
            if (missing.isEmpty()) return cached.get();
            if (hub.offline()) {
                LOG.warn("{} in the cache ({}) looks incomplete ({}); offline mode, so it is used as it is", ref,
                        cached.get(), String.join("; ", missing));
                return cached.get();
            }
            LOG.info("{} in the cache looks incomplete ({}); completing it from {}", ref, String.join("; ", missing),
                    hub.endpoint());
        } else if (hub.offline()) {
            try {
                cache.resolve(ref);
            } catch (ModelLoadException e) {
                throw new ModelDownloadException(Reason.OFFLINE, "offline mode (HF_HUB_OFFLINE=1): " + e.getMessage(), e);
            }
        }
        try {
            return hub.download(repoId).folder();
        } catch (ModelDownloadException e) {
            if (e.reason() == Reason.NETWORK && cached.isPresent()) {
                throw new ModelDownloadException(Reason.NETWORK, ref + " is in the cache (" + cached.get() + ") but incomplete ("
                        + String.join("; ", missing) + "), and completing it failed: " + e.getMessage()
                        + ". Set HF_HUB_OFFLINE=1 to load the cached files as they are", e);
            }
            throw e;
        }
    }

    /** Strings that are clearly meant as file paths, never as repo ids. */
    private static boolean looksLikePath(String s) {
        return s.startsWith("/") || s.startsWith(".") || s.startsWith("~") || s.contains("\\") || s.contains(":");
    }
}
