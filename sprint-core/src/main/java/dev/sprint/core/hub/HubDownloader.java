package dev.sprint.core.hub;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.ModelDownloadException.Reason;
import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.SprintException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downloads Hugging Face Hub repos into the shared Hugging Face cache, speaking huggingface_hub's protocol
 * and writing its layout (see {@link HfCache}), so Python and Sprint reuse each other's downloads.
 * <pre>{@code
 * HubSnapshot s = HubDownloader.builder().listener(myProgress).build()
 *         .download("Efficient-Large-Model/Sana_Sprint_0.6B_1024px_diffusers");
 * Pipeline p = Pipeline.builder().model(s.folder()).build();
 * }</pre>
 * <ul>
 *   <li>Only the files a Sprint pipeline reads (see {@link #download(String)}), unless file patterns are given.</li>
 *   <li>Each file goes to {@code blobs/<etag>.incomplete}, resumes with {@code Range} after an interruption
 *       (in the same run, with backoff, or in a later one), and is moved into {@code blobs/} only when its size
 *       and checksum match the Hub's ETag. Snapshot links and {@code refs/<revision>} are written only after
 *       every file is in place: a failed or cancelled download never leaves a partial snapshot.</li>
 *   <li>Environment, as huggingface_hub reads it: {@code HF_ENDPOINT}, {@code HF_TOKEN} (or
 *       {@code HUGGING_FACE_HUB_TOKEN}, or the file {@code HF_TOKEN_PATH} / {@code HF_HOME/token}),
 *       {@code HF_HUB_OFFLINE}, {@code HF_HUB_CACHE} / {@code HF_HOME}, {@code HF_HUB_ETAG_TIMEOUT},
 *       {@code HF_HUB_DOWNLOAD_TIMEOUT}, {@code HF_HUB_DISABLE_IMPLICIT_TOKEN}, and Sprint's own
 *       {@value #ALLOW_INSECURE_TOKEN}; builder settings override them.</li>
 *   <li>The token goes only to the endpoint's own scheme, host and port (never to a CDN, a redirect target or a
 *       listing page elsewhere), and only over https unless {@value #ALLOW_INSECURE_TOKEN} is set; no redirect
 *       leaves https; every body is bounded (a file by its announced size, API answers by
 *       {@value BoundedBody#MAX_JSON_BYTES} bytes); repo file names must be safe on every platform.</li>
 * </ul>
 * Immutable and thread-safe; downloads of the same file from several threads or processes are serialized by a
 * lock per blob. Errors are {@link ModelDownloadException}s whose {@link ModelDownloadException#reason()} says why.
 */
public final class HubDownloader {
    private static final Logger LOG = LoggerFactory.getLogger(HubDownloader.class);
    /** The public Hub. */
    public static final String DEFAULT_ENDPOINT = "https://huggingface.co";
    /**
     * The environment variable that lets the token go to an {@code http://} endpoint (a mirror on a network you
     * trust); without it such a download fails rather than send the token in clear text.
     */
    public static final String ALLOW_INSECURE_TOKEN = "HF_HUB_ALLOW_INSECURE_TOKEN";

    private final HfCache cache;
    private final HubHttp http;
    private final BlobFetch fetch;
    private final boolean offline;
    private final DownloadListener listener;
    private final CancellationToken cancellation;
    private final int parallelism;

    private HubDownloader(Builder b) {
        this.cache = b.cache;
        this.offline = b.offline;
        this.listener = b.listener;
        this.cancellation = b.cancellation;
        this.parallelism = b.parallelism;
        HttpClient given = b.client;
        Duration connectTimeout = b.timeout;
        java.util.function.Supplier<HttpClient> client = () -> given != null ? given : HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1) // one connection per parallel transfer, as Python's requests
                .followRedirects(HttpClient.Redirect.NEVER) // redirects are the protocol: handled by hand
                .connectTimeout(connectTimeout)
                .build();
        String version = Optional.ofNullable(HubDownloader.class.getPackage().getImplementationVersion()).orElse("0.1.0");
        this.http = new HubHttp(client, b.endpoint, b.token, b.allowInsecureToken, "sprint/" + version + "; java/" + Runtime.version().feature(),
                b.timeout, b.stallTimeout, b.retries, b.backoff);
        this.fetch = new BlobFetch(http);
    }

    /** A downloader configured from this process's environment (see the class comment). */
    public static HubDownloader fromEnvironment() {
        return builder().build();
    }

    /** A builder whose defaults come from this process's environment and home folder. */
    public static Builder builder() {
        return new Builder(System::getenv, Path.of(System.getProperty("user.home")));
    }

    /** A builder whose defaults come from the given environment (for tests and embedding hosts). */
    public static Builder builder(Function<String, String> env, Path home) {
        return new Builder(env, home);
    }

    public HfCache cache() {
        return cache;
    }

    /** Whether this downloader never touches the network. */
    public boolean offline() {
        return offline;
    }

    public URI endpoint() {
        return http.endpoint();
    }

    /**
     * Makes sure the cache holds what a Sprint pipeline needs from {@code org/name[@revision]} and returns the
     * snapshot. For a diffusers pipeline: {@code model_index.json} and, for every component it declares, the
     * configs, tokenizer files and safetensors weights (a sharded checkpoint through its index json); no
     * {@code .bin}/{@code .pth}/{@code .onnx} duplicates, other variants or single-file checkpoints. For an
     * adapter repo (SwD): {@code adapter_config.json} + {@code adapter_model.safetensors}. For a model repo
     * (a ControlNet): its config and weights. Files already in the cache are not fetched again. In offline
     * mode it returns the cached snapshot, or fails with {@link Reason#OFFLINE}.
     */
    public HubSnapshot download(String repoIdAndRevision) {
        return download(repoIdAndRevision, List.of());
    }

    /**
     * Like {@link #download(String)}, but when {@code include} is not empty it fetches exactly the repo files
     * matching one of the patterns (huggingface_hub's {@code allow_patterns}: fnmatch on the repo path,
     * {@code *} crosses folders, a trailing {@code /} means a whole folder).
     */
    public HubSnapshot download(String repoIdAndRevision, Collection<String> include) {
        HfCache.RepoRef ref = HfCache.parse(repoIdAndRevision);
        List<String> patterns = List.copyOf(include);
        if (offline) return cachedSnapshot(ref);
        DownloadJob job = new DownloadJob(ref.repoId(), listener, cancellation);
        HubHttp.RepoInfo info = http.repoInfo(ref.repoId(), ref.revision(), job);
        String commit = info.commit();
        job.commit(commit);
        CacheWriter w = new CacheWriter(cache, ref);
        w.createBlobsFolder();
        Map<String, HubHttp.FileMeta> metas = new ConcurrentHashMap<>();
        Set<String> fetchedToPlan = ConcurrentHashMap.newKeySet();

        List<String> files;
        List<String> absent = List.of();
        if (!patterns.isEmpty()) {
            files = Glob.filter(info.files(), patterns);
            if (files.isEmpty()) {
                throw new ModelDownloadException(Reason.ENTRY_NOT_FOUND, "no file of " + ref + " matches " + patterns
                        + " (the repo has " + info.files().size() + " files, e.g. "
                        + info.files().stream().limit(8).toList() + ")");
            }
        } else {
            RepoLayout.Plan plan = RepoLayout.select(info.files(), p -> readSmallFile(ref, commit, p, w, metas, fetchedToPlan, job));
            plan.notes().forEach(n -> LOG.warn("{}: {}", ref, n));
            if (!plan.problems().isEmpty()) {
                throw new ModelDownloadException(Reason.UNSUPPORTED_LAYOUT, ref + " is not a checkpoint Sprint can load: "
                        + String.join("; ", plan.problems()) + ". To fetch files anyway, name them with --include GLOB"
                        + " (HubDownloader.download(repo, patterns))");
            }
            files = plan.files();
            absent = plan.absent();
        }
        for (String f : files) RepoPaths.check(f, ref.repoId());

        // metadata of every file not yet in this snapshot: sizes for the progress total, errors (gated...) before any transfer
        List<String> unknown = files.stream()
                .filter(f -> !metas.containsKey(f) && !Files.isRegularFile(w.pointer(commit, f))).toList();
        parallel(unknown, f -> metas.put(f, http.head(ref.repoId(), commit, f, job)), job);

        Map<String, Integer> usesOfBlob = new HashMap<>();
        long toTransfer = 0;
        for (String f : files) {
            HubHttp.FileMeta m = metas.get(f);
            if (m == null) {
                long size = size(w.pointer(commit, f));
                job.addFile(f, size, size);
                continue;
            }
            usesOfBlob.merge(m.etag(), 1, Integer::sum);
            long present = fetchedToPlan.contains(f) ? 0
                    : Files.isRegularFile(w.blob(m.etag())) ? m.size() : Math.min(m.size(), size(w.incomplete(m.etag())));
            job.addFile(f, m.size(), present);
            if (present < m.size()) toTransfer += m.size() - present;
        }
        warnIfLowOnDisk(w, toTransfer);
        job.start();
        for (String f : files) {
            if (fetchedToPlan.contains(f)) job.fileDone(f); // fetched by this download, before the plan was known
        }

        // one transfer per distinct blob (identical files share it)
        Map<String, HubHttp.FileMeta> byEtag = new LinkedHashMap<>();
        Set<String> newBlobs = ConcurrentHashMap.newKeySet();
        for (String f : files) {
            HubHttp.FileMeta m = metas.get(f);
            if (m != null && !Files.isRegularFile(w.blob(m.etag()))) byEtag.putIfAbsent(m.etag(), m);
        }
        parallel(new ArrayList<>(byEtag.values()), m -> {
            if (fetch.fetch(m, w, job, () -> http.head(ref.repoId(), commit, m.path(), job))) newBlobs.add(m.etag());
        }, job);
        for (String f : files) {
            HubHttp.FileMeta m = metas.get(f);
            if (m != null && byEtag.containsKey(m.etag()) && byEtag.get(m.etag()) != m) job.fileDone(f);
        }
        job.throwIfCancelled();

        // every blob is in place: now, and only now, the snapshot and the ref
        for (String f : files) {
            HubHttp.FileMeta m = metas.get(f);
            if (m != null) w.link(commit, f, m.etag(), newBlobs.contains(m.etag()) && usesOfBlob.get(m.etag()) == 1);
        }
        for (String a : absent) w.markAbsent(commit, a);
        w.writeRef(ref.revision(), commit);
        HubSnapshot snap = new HubSnapshot(ref.repoId(), ref.revision(), commit, w.snapshot(commit), files, job.transferred());
        job.finish(snap);
        return snap;
    }

    /**
     * One file, as {@code hf_hub_download}: returns {@code snapshots/<commit>/<path>} once the file is in the
     * cache (and {@code refs/<revision>} written). With a commit revision and the file cached, no request is made.
     */
    public Path downloadFile(String repoIdAndRevision, String path) {
        HfCache.RepoRef ref = HfCache.parse(repoIdAndRevision);
        RepoPaths.check(path, ref.repoId());
        CacheWriter w = new CacheWriter(cache, ref);
        if (HfCache.isCommitHash(ref.revision()) && Files.isRegularFile(w.pointer(ref.revision(), path))) {
            return w.pointer(ref.revision(), path);
        }
        if (offline) {
            Path snap = cachedSnapshot(ref).folder();
            Path p = w.pointer(snap.getFileName().toString(), path);
            if (Files.isRegularFile(p)) return p;
            throw new ModelDownloadException(Reason.OFFLINE, "'" + path + "' of " + ref + " is not in the local cache at "
                    + cache.root() + " and offline mode is on (HF_HUB_OFFLINE=1); unset it to download the file");
        }
        DownloadJob job = new DownloadJob(ref.repoId(), listener, cancellation);
        HubHttp.FileMeta m = http.head(ref.repoId(), ref.revision(), path, job);
        String commit = m.commit();
        if (!HfCache.isCommitHash(commit)) {
            throw new ModelDownloadException(Reason.PROTOCOL, "the Hub answered the commit '" + commit + "' for " + ref);
        }
        job.commit(commit);
        Path ptr = w.pointer(commit, path);
        if (!Files.isRegularFile(ptr)) {
            w.createBlobsFolder();
            boolean had = Files.isRegularFile(w.blob(m.etag()));
            job.addFile(path, m.size(), had ? m.size() : Math.min(m.size(), size(w.incomplete(m.etag()))));
            job.start();
            boolean fresh = fetch.fetch(m, w, job, () -> http.head(ref.repoId(), commit, path, job));
            w.link(commit, path, m.etag(), fresh);
        }
        w.writeRef(ref.revision(), commit);
        job.finish(new HubSnapshot(ref.repoId(), ref.revision(), commit, w.snapshot(commit), List.of(path), job.transferred()));
        return ptr;
    }

    /** The text of a small file needed to plan (model_index.json, an index json): from the snapshot, else downloaded into blobs/. */
    private String readSmallFile(HfCache.RepoRef ref, String commit, String path, CacheWriter w,
            Map<String, HubHttp.FileMeta> metas, Set<String> fetched, DownloadJob job) {
        Path ptr = w.pointer(commit, path);
        Path file = ptr;
        if (!Files.isRegularFile(ptr)) {
            HubHttp.FileMeta m = http.head(ref.repoId(), commit, path, job);
            checkSmall(m.size(), path, ref);
            metas.put(path, m);
            if (fetch.fetch(m, w, job, () -> http.head(ref.repoId(), commit, path, job))) fetched.add(path);
            file = w.blob(m.etag());
        }
        try {
            checkSmall(Files.size(file), path, ref);
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ModelDownloadException(Reason.IO, "cannot read " + file + " (" + path + " of " + ref + "): " + e.getMessage(), e);
        }
    }

    /** A planning file (JSON) larger than any real one is refused before it is fetched or read. */
    private static void checkSmall(long size, String path, HfCache.RepoRef ref) {
        if (size > BoundedBody.MAX_JSON_BYTES) {
            throw new ModelDownloadException(Reason.PROTOCOL, "'" + path + "' of " + ref + " has " + size + " bytes; a file"
                    + " read to plan the download has at most " + BoundedBody.MAX_JSON_BYTES + "; refusing to read it");
        }
    }

    private HubSnapshot cachedSnapshot(HfCache.RepoRef ref) {
        Path snap;
        try {
            snap = cache.resolve(ref);
        } catch (ModelLoadException e) {
            throw new ModelDownloadException(Reason.OFFLINE, "offline mode is on (HF_HUB_OFFLINE=1), so nothing can be"
                    + " downloaded: " + e.getMessage(), e);
        }
        List<String> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(snap, FileVisitOption.FOLLOW_LINKS)) {
            s.filter(Files::isRegularFile).forEach(p -> files.add(snap.relativize(p).toString().replace('\\', '/')));
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ModelDownloadException(Reason.IO, "cannot list " + snap + ": " + e.getMessage(), e);
        }
        files.sort(null);
        return new HubSnapshot(ref.repoId(), ref.revision(), snap.getFileName().toString(), snap, files, 0);
    }

    private static long size(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.size(p) : 0;
        } catch (IOException e) {
            return 0;
        }
    }

    private static void warnIfLowOnDisk(CacheWriter w, long bytes) {
        if (bytes <= 0) return;
        try {
            long free = Files.getFileStore(w.repoFolder().resolve("blobs")).getUsableSpace();
            if (free < bytes) {
                LOG.warn("{} bytes are to be downloaded but only {} are free in {}; the download may fail", bytes, free,
                        w.repoFolder());
            }
        } catch (IOException e) {
            LOG.debug("cannot tell the free disk space", e);
        }
    }

    /** Runs the work items on up to {@link Builder#parallelDownloads} threads; the first failure stops the others. */
    private <T> void parallel(List<T> items, Consumer<T> work, DownloadJob job) {
        if (items.isEmpty()) return;
        int n = Math.min(parallelism, items.size());
        if (n == 1) {
            for (T t : items) {
                job.throwIfCancelled();
                work.accept(t);
            }
            return;
        }
        AtomicInteger ids = new AtomicInteger();
        ExecutorService ex = Executors.newFixedThreadPool(n, r -> {
            Thread t = new Thread(r, "sprint-hub-" + job.repoId + "-" + ids.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (T t : items) {
                futures.add(ex.submit(() -> {
                    job.throwIfCancelled();
                    work.accept(t);
                }));
            }
            RuntimeException first = null;
            for (Future<?> f : futures) {
                try {
                    f.get();
                } catch (ExecutionException e) {
                    RuntimeException re = e.getCause() instanceof RuntimeException r ? r
                            : new SprintException("download worker failed: " + e.getCause(), e.getCause());
                    job.abort();
                    if (first == null || (isCancel(first) && !isCancel(re))) first = re;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    job.abort();
                    first = first != null ? first : new ModelDownloadException(Reason.CANCELLED, "download of " + job.repoId
                            + " interrupted");
                    break;
                }
            }
            if (first != null) throw first;
        } finally {
            ex.shutdownNow();
        }
    }

    private static boolean isCancel(RuntimeException e) {
        return e instanceof ModelDownloadException m && m.reason() == Reason.CANCELLED;
    }

    /** Settings of a {@link HubDownloader}; defaults from the environment it was created with. */
    public static final class Builder {
        private HfCache cache;
        private URI endpoint;
        private String token;
        private boolean offline;
        private boolean allowInsecureToken;
        private DownloadListener listener = DownloadListener.NONE;
        private CancellationToken cancellation;
        private int parallelism = 4;
        private int retries = 5;
        private Duration backoff = Duration.ofSeconds(1);
        private Duration timeout;
        private Duration stallTimeout;
        private HttpClient client;

        private Builder(Function<String, String> env, Path home) {
            cache = new HfCache(HfCache.defaultRoot(env, home));
            endpoint(Optional.ofNullable(nonEmpty(env.apply("HF_ENDPOINT"))).orElse(DEFAULT_ENDPOINT));
            String off = nonEmpty(env.apply("HF_HUB_OFFLINE"));
            offline = isTrue(off != null ? off : env.apply("TRANSFORMERS_OFFLINE"));
            if (!isTrue(env.apply("HF_HUB_DISABLE_IMPLICIT_TOKEN"))) token = implicitToken(env, home);
            allowInsecureToken = isTrue(env.apply(ALLOW_INSECURE_TOKEN));
            timeout = Duration.ofSeconds(seconds(env, "HF_HUB_ETAG_TIMEOUT", 10));
            stallTimeout = Duration.ofSeconds(seconds(env, "HF_HUB_DOWNLOAD_TIMEOUT", 10));
        }

        /** The cache to fill (default: HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub). */
        public Builder cache(HfCache c) {
            cache = Objects.requireNonNull(c, "cache");
            return this;
        }

        /** The cache root folder. */
        public Builder cacheDir(Path root) {
            return cache(new HfCache(root));
        }

        /** The Hub (default HF_ENDPOINT, else {@value #DEFAULT_ENDPOINT}); a mirror speaking the same protocol works. */
        public Builder endpoint(String url) {
            String u = Objects.requireNonNull(url, "endpoint").trim();
            while (u.endsWith("/")) u = u.substring(0, u.length() - 1);
            URI parsed;
            try {
                parsed = URI.create(u);
            } catch (IllegalArgumentException e) {
                throw new ModelDownloadException(Reason.PROTOCOL, "the Hub endpoint '" + url + "' is not a URL", e);
            }
            if (parsed.getHost() == null || !(u.startsWith("http://") || u.startsWith("https://"))) {
                throw new ModelDownloadException(Reason.PROTOCOL, "the Hub endpoint '" + url + "' (HF_ENDPOINT) must be an"
                        + " http(s) URL such as " + DEFAULT_ENDPOINT);
            }
            endpoint = parsed;
            return this;
        }

        /** The access token sent as {@code Authorization: Bearer} to the Hub (never to a CDN); null sends none. */
        public Builder token(String t) {
            token = clean(t);
            return this;
        }

        /**
         * Whether the token may be sent to an {@code http://} endpoint, in clear text (default: the environment
         * variable {@value HubDownloader#ALLOW_INSECURE_TOKEN}; off). Only for a mirror on a network you trust.
         */
        public Builder allowInsecureToken(boolean allow) {
            allowInsecureToken = allow;
            return this;
        }

        /** Never touch the network (default: HF_HUB_OFFLINE). */
        public Builder offline(boolean off) {
            offline = off;
            return this;
        }

        public Builder listener(DownloadListener l) {
            listener = Objects.requireNonNull(l, "listener");
            return this;
        }

        /** Cancels downloads from another thread: the download stops within about 100 ms; partial files stay resumable. */
        public Builder cancellation(CancellationToken t) {
            cancellation = t;
            return this;
        }

        /** Files transferred at once (default 4, like a handful of Python's workers). */
        public Builder parallelDownloads(int n) {
            if (n < 1 || n > 64) throw new InvalidRequestException("parallelDownloads must be in 1..64, got " + n);
            parallelism = n;
            return this;
        }

        /** Retries of a failing request or an interrupted transfer without progress (default 5). */
        public Builder retries(int n) {
            if (n < 0 || n > 100) throw new InvalidRequestException("retries must be in 0..100, got " + n);
            retries = n;
            return this;
        }

        /** First wait between retries; it doubles up to 8 s (default 1 s). */
        public Builder retryBackoff(Duration d) {
            if (d.isNegative()) throw new InvalidRequestException("negative backoff");
            backoff = d;
            return this;
        }

        /** Connect and metadata-request timeout (default HF_HUB_ETAG_TIMEOUT, 10 s). */
        public Builder timeout(Duration d) {
            timeout = InvalidRequestException.requirePositive(d, "timeout");
            return this;
        }

        /** A transfer that receives nothing this long is cut and resumed (default HF_HUB_DOWNLOAD_TIMEOUT, 10 s). */
        public Builder stallTimeout(Duration d) {
            stallTimeout = InvalidRequestException.requirePositive(d, "stall timeout");
            return this;
        }

        /**
         * The HTTP client to use (proxy, TLS, executor of the host application). It must not follow redirects
         * ({@code Redirect.NEVER}): the downloader follows them itself, to read the LFS metadata and to drop
         * the token when the host changes.
         */
        public Builder httpClient(HttpClient c) {
            if (c.followRedirects() != HttpClient.Redirect.NEVER) {
                throw new InvalidRequestException("the HttpClient must use Redirect.NEVER");
            }
            client = c;
            return this;
        }

        public HubDownloader build() {
            return new HubDownloader(this);
        }

        private static String implicitToken(Function<String, String> env, Path home) {
            String t = clean(env.apply("HF_TOKEN"));
            if (t == null) t = clean(env.apply("HUGGING_FACE_HUB_TOKEN"));
            if (t != null) return t;
            Path file = tokenPath(env, home);
            try {
                return Files.isRegularFile(file) ? clean(Files.readString(file, StandardCharsets.UTF_8)) : null;
            } catch (IOException e) {
                LOG.warn("cannot read the Hugging Face token file {}: {}", file, e.getMessage());
                return null;
            }
        }

        /** {@code HF_TOKEN_PATH}, else {@code HF_HOME/token} (HF_HOME defaulting to XDG_CACHE_HOME/huggingface or ~/.cache/huggingface). */
        static Path tokenPath(Function<String, String> env, Path home) {
            String p = nonEmpty(env.apply("HF_TOKEN_PATH"));
            if (p != null) return HfCache.expand(p, home);
            String hfHome = nonEmpty(env.apply("HF_HOME"));
            if (hfHome != null) return HfCache.expand(hfHome, home).resolve("token");
            String xdg = nonEmpty(env.apply("XDG_CACHE_HOME"));
            return (xdg != null ? HfCache.expand(xdg, home) : home.resolve(".cache")).resolve("huggingface").resolve("token");
        }

        /** {@code _clean_token}: no CR/LF, trimmed, empty = none. */
        static String clean(String t) {
            if (t == null) return null;
            String c = t.replace("\r", "").replace("\n", "").trim();
            return c.isEmpty() ? null : c;
        }

        private static long seconds(Function<String, String> env, String key, long dflt) {
            String v = nonEmpty(env.apply(key));
            if (v == null) return dflt;
            try {
                long s = Long.parseLong(v.trim());
                return s > 0 ? s : dflt;
            } catch (NumberFormatException e) {
                throw new ModelDownloadException(Reason.PROTOCOL, key + " must be a number of seconds, got '" + v + "'");
            }
        }

        /** huggingface_hub's {@code _is_true}: 1, ON, YES, TRUE in any case. */
        static boolean isTrue(String v) {
            return v != null && Set.of("1", "ON", "YES", "TRUE").contains(v.trim().toUpperCase(java.util.Locale.ROOT));
        }

        private static String nonEmpty(String s) {
            return s == null || s.isEmpty() ? null : s;
        }
    }
}
