package dev.sprint.core.hub;

import dev.sprint.api.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The local Hugging Face hub cache, read the way {@code huggingface_hub} writes it:
 * <pre>
 * &lt;root&gt;/models--{org}--{name}/refs/&lt;revision&gt;        (text file: a commit hash)
 * &lt;root&gt;/models--{org}--{name}/snapshots/&lt;commit&gt;/...   (the repo's files, symlinks into blobs/)
 * </pre>
 * The root is {@code HF_HUB_CACHE}, else the legacy {@code HUGGINGFACE_HUB_CACHE}, else
 * {@code HF_HOME/hub}, else {@code XDG_CACHE_HOME/huggingface/hub}, else {@code ~/.cache/huggingface/hub}.
 * This class only reads; {@link HubDownloader} writes the same layout.
 */
public final class HfCache {
    private static final Pattern REPO_PART = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    private final Path root;

    /** A cache at an explicit root folder. */
    public HfCache(Path root) {
        this.root = Objects.requireNonNull(root, "root");
    }

    /** The cache of this process's environment and home folder. */
    public static HfCache fromEnvironment() {
        return new HfCache(defaultRoot(System::getenv, Path.of(System.getProperty("user.home"))));
    }

    /**
     * The cache root for an environment (injectable for tests), following huggingface_hub's constants:
     * HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME/hub, XDG_CACHE_HOME/huggingface/hub, ~/.cache/huggingface/hub.
     */
    public static Path defaultRoot(Function<String, String> env, Path home) {
        String v = nonEmpty(env.apply("HF_HUB_CACHE"));
        if (v == null) v = nonEmpty(env.apply("HUGGINGFACE_HUB_CACHE"));
        if (v != null) return expand(v, home);
        String hfHome = nonEmpty(env.apply("HF_HOME"));
        if (hfHome != null) return expand(hfHome, home).resolve("hub");
        String xdg = nonEmpty(env.apply("XDG_CACHE_HOME"));
        Path cache = xdg != null ? expand(xdg, home) : home.resolve(".cache");
        return cache.resolve("huggingface").resolve("hub");
    }

    private static String nonEmpty(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** {@code ~} and {@code ~/x} as in Python's expanduser. */
    static Path expand(String p, Path home) {
        if (p.equals("~")) return home;
        if (p.startsWith("~/")) return home.resolve(p.substring(2));
        return Path.of(p);
    }

    public Path root() {
        return root;
    }

    /** {@code <root>/models--org--name}: everything the cache holds for one repo. */
    public Path repoFolder(RepoRef ref) {
        return root.resolve(ref.folderName());
    }

    /** {@code <root>/.locks/models--org--name}: the lock files guarding blob writes, as huggingface_hub places them. */
    public Path locksFolder(RepoRef ref) {
        return root.resolve(".locks").resolve(ref.folderName());
    }

    /** Whether a revision is a full commit hash (40 lower-case hex digits), which needs no {@code refs/} entry. */
    public static boolean isCommitHash(String revision) {
        return COMMIT.matcher(revision).matches();
    }

    /** The cached snapshot folder of a repo at a revision, or empty when it is not in the cache (never throws for that). */
    public java.util.Optional<Path> find(RepoRef ref) {
        try {
            return java.util.Optional.of(resolve(ref));
        } catch (ModelLoadException e) {
            return java.util.Optional.empty();
        }
    }

    /** A parsed model reference: repo id plus revision (branch, tag or commit; "main" by default). */
    public record RepoRef(String repoId, String revision) {
        /** {@code models--org--name}, the repo's folder in the cache. */
        public String folderName() {
            return "models--" + repoId.replace("/", "--");
        }

        @Override
        public String toString() {
            return revision.equals("main") ? repoId : repoId + "@" + revision;
        }
    }

    /** Whether a string has the shape of a repo id ({@code org/name} or {@code name}, optional {@code @revision}). */
    public static boolean looksLikeRepoId(String s) {
        try {
            parse(s);
            return true;
        } catch (ModelLoadException e) {
            return false;
        }
    }

    /** Parses {@code org/name[@revision]}; an error for anything that is not a valid Hugging Face repo id. */
    public static RepoRef parse(String s) {
        Objects.requireNonNull(s, "repo id");
        int at = s.indexOf('@');
        String id = at < 0 ? s : s.substring(0, at);
        String rev = at < 0 ? "main" : s.substring(at + 1);
        String[] parts = id.split("/", -1);
        boolean ok = parts.length >= 1 && parts.length <= 2;
        for (String p : parts) {
            ok &= REPO_PART.matcher(p).matches() && !p.contains("--") && !p.contains("..")
                    && !p.endsWith(".") && !p.endsWith("-");
        }
        if (!ok) throw new ModelLoadException("'" + s + "' is not a Hugging Face repo id (expected org/name[@revision])");
        if (rev.isEmpty() || rev.startsWith("/") || rev.contains("\\")
                || java.util.Arrays.asList(rev.split("/", -1)).stream().anyMatch(x -> x.isEmpty() || x.equals("..") || x.equals("."))) {
            throw new ModelLoadException("'" + rev + "' is not a valid revision in '" + s + "'");
        }
        return new RepoRef(id, rev);
    }

    /** The snapshot folder of {@code org/name[@revision]}, or an error saying where it looked and how to download. */
    public Path resolve(String repoIdAndRevision) {
        return resolve(parse(repoIdAndRevision));
    }

    /** The snapshot folder of a repo at a revision. */
    public Path resolve(RepoRef ref) {
        Path repo = root.resolve(ref.folderName());
        if (!Files.isDirectory(repo)) {
            throw notCached(ref, "there is no " + repo);
        }
        Path snapshots = repo.resolve("snapshots");
        Path refFile = repo.resolve("refs").resolve(ref.revision());
        String commit;
        if (Files.isRegularFile(refFile)) {
            try {
                commit = Files.readString(refFile, StandardCharsets.UTF_8).trim();
            } catch (IOException e) {
                throw new ModelLoadException("cannot read " + refFile + ": " + e.getMessage(), e);
            }
            if (!COMMIT.matcher(commit).matches()) {
                throw new ModelLoadException(refFile + " should hold a 40-character commit hash, holds '" + commit + "'");
            }
        } else if (Files.isDirectory(snapshots.resolve(ref.revision()))) {
            commit = ref.revision(); // a commit hash given directly
        } else {
            throw notCached(ref, "there is no " + refFile + " and no " + snapshots.resolve(ref.revision()));
        }
        Path snap = snapshots.resolve(commit);
        if (!Files.isDirectory(snap)) {
            throw notCached(ref, refFile + " points at commit " + commit + ", but " + snap + " is missing");
        }
        return snap;
    }

    private ModelLoadException notCached(RepoRef ref, String detail) {
        String rev = ref.revision().equals("main") ? "" : " --revision " + ref.revision();
        return new ModelLoadException("model '" + ref + "' is not in the Hugging Face cache at " + root + " (" + detail
                + "). Download it with `./sprint download " + ref.repoId() + rev + "` (or `huggingface-cli download "
                + ref.repoId() + rev + "`; the cache location follows HF_HUB_CACHE / HF_HOME), let Sprint download it"
                + " on first use (HF_HUB_OFFLINE unset), or pass the path of a local diffusers folder");
    }
}
