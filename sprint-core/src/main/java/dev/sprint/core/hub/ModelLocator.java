package dev.sprint.core.hub;

import dev.sprint.api.ModelLoadException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Turns what a user passes as "the model" into a local folder: an existing directory is used as is;
 * anything else is read as a Hugging Face repo id ({@code org/name[@revision]}) and resolved in the
 * local hub cache. This is the single place where on-demand downloading will plug in.
 */
public final class ModelLocator {
    private final HfCache cache;

    public ModelLocator(HfCache cache) {
        this.cache = Objects.requireNonNull(cache, "cache");
    }

    /** Resolves with the Hugging Face cache of this process's environment. */
    public static Path resolve(String pathOrRepoId) {
        return new ModelLocator(HfCache.fromEnvironment()).locate(pathOrRepoId);
    }

    public HfCache cache() {
        return cache;
    }

    /** An existing directory, else the cached snapshot of a repo id; a {@link ModelLoadException} otherwise. */
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
            return cache.resolve(pathOrRepoId);
        }
        if (local != null && Files.exists(local)) {
            throw new ModelLoadException(pathOrRepoId + " is a file; pass the model's folder (with model_index.json)");
        }
        throw new ModelLoadException("model folder " + pathOrRepoId + " does not exist, and it is not a Hugging Face"
                + " repo id (org/name[@revision]) either");
    }

    /** Strings that are clearly meant as file paths, never as repo ids. */
    private static boolean looksLikePath(String s) {
        return s.startsWith("/") || s.startsWith(".") || s.startsWith("~") || s.contains("\\") || s.contains(":");
    }
}
