package dev.sprint.core.hub;

import java.nio.file.Path;
import java.util.List;

/**
 * A complete snapshot in the local Hugging Face cache, as a download left it.
 *
 * @param repoId          the repo id
 * @param revision        the revision asked for (branch, tag or commit)
 * @param commit          the commit it resolved to
 * @param folder          {@code <cache>/models--org--name/snapshots/<commit>}: pass it to {@code Pipeline.builder().model(...)}
 * @param files           the repo-relative files this download made sure are present
 * @param downloadedBytes bytes transferred over the network by this download (0 when all was cached)
 */
public record HubSnapshot(String repoId, String revision, String commit, Path folder, List<String> files,
        long downloadedBytes) {
    public HubSnapshot {
        files = List.copyOf(files);
    }
}
