package dev.sprint.core.hub;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.api.ModelDownloadException.Reason;
import dev.sprint.api.ModelDownloadException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The requests huggingface_hub makes, in its terms: {@code GET /api/models/{repo}/revision/{rev}} (commit +
 * file list), {@code HEAD /{repo}/resolve/{rev}/{path}} (file metadata; relative redirects, i.e. renamed repos,
 * are followed, an absolute one, i.e. an LFS file on a CDN, is not: its own headers carry the metadata), and
 * {@code X-Error-Code} mapped to {@link ModelDownloadException} reasons. Retries connection errors, timeouts,
 * 429 and 5xx with exponential backoff.
 * <p>What a hostile server or network cannot do: get the token off the endpoint's host (it is decided per request
 * from the URL: a redirect target, a CDN or a {@code Link} page elsewhere gets none, and pagination never leaves the
 * endpoint), read it in clear ({@code http://} endpoints get it only with {@code HF_HUB_ALLOW_INSECURE_TOKEN}), move
 * a transfer from https to http, or make us read an unbounded body ({@link BoundedBody}).
 */
final class HubHttp {
    private static final Logger LOG = LoggerFactory.getLogger(HubHttp.class);
    static final String X_REPO_COMMIT = "X-Repo-Commit";
    static final String X_LINKED_ETAG = "X-Linked-Etag";
    static final String X_LINKED_SIZE = "X-Linked-Size";
    private static final Pattern LINK_NEXT = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");
    /** Above this many siblings, huggingface_hub distrusts the list and walks the tree (VERY_LARGE_REPO_THRESHOLD). */
    private static final int VERY_LARGE_REPO = 50_000;
    private static final int MAX_REDIRECTS = 10;

    /** Commit and file list of a repo at a revision. */
    record RepoInfo(String commit, List<String> files) {}

    /**
     * What a {@code HEAD} of a resolve URL says about one file.
     *
     * @param etag     the blob name: {@code X-Linked-Etag} (the LFS sha256) or {@code ETag} (the git blob sha1), normalized
     * @param location where to GET the bytes: the CDN {@code Location} of an LFS redirect, else the resolve URL itself
     */
    record FileMeta(String path, String etag, long size, String commit, URI location) {}

    /** Who is asking: the repo / revision / file named in errors. */
    record Subject(String repoId, String revision, String file) {}

    private final java.util.function.Supplier<HttpClient> clientFactory;
    private volatile HttpClient client;
    private final URI endpoint;
    private final String token;
    private final boolean allowInsecureToken;
    private final String userAgent;
    final Duration metadataTimeout;
    final Duration stallTimeout;
    final int retries;
    final Duration backoff;

    /** {@code clientFactory} is called once, at the first request (offline use never starts an HTTP client). */
    HubHttp(java.util.function.Supplier<HttpClient> clientFactory, URI endpoint, String token, boolean allowInsecureToken,
            String userAgent, Duration metadataTimeout, Duration stallTimeout, int retries, Duration backoff) {
        this.clientFactory = clientFactory;
        this.endpoint = endpoint;
        this.token = token;
        this.allowInsecureToken = allowInsecureToken;
        this.userAgent = userAgent;
        this.metadataTimeout = metadataTimeout;
        this.stallTimeout = stallTimeout;
        this.retries = retries;
        this.backoff = backoff;
    }

    HttpClient client() {
        HttpClient c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) client = clientFactory.get();
                c = client;
            }
        }
        return c;
    }

    URI endpoint() {
        return endpoint;
    }

    boolean hasToken() {
        return token != null;
    }

    // ---- URLs -----------------------------------------------------------------------------------------

    URI apiUrl(String repoId, String revision) {
        return URI.create(endpoint + "/api/models/" + repoId + "/revision/" + quote(revision, ""));
    }

    URI treeUrl(String repoId, String revision) {
        return URI.create(endpoint + "/api/models/" + repoId + "/tree/" + quote(revision, "") + "?recursive=True&expand=False");
    }

    /** {@code {endpoint}/{repo}/resolve/{rev}/{path}} with the revision fully and the path per segment percent-encoded. */
    URI resolveUrl(String repoId, String revision, String path) {
        return URI.create(endpoint + "/" + repoId + "/resolve/" + quote(revision, "") + "/" + quote(path, "/"));
    }

    /** Python's {@code urllib.parse.quote}: UTF-8 percent-encoding of all but letters, digits, {@code _.-~} and {@code safe}. */
    static String quote(String s, String safe) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xFF;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.'
                    || c == '-' || c == '~' || (c < 128 && safe.indexOf(c) >= 0)) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }

    /**
     * A URL for messages and logs: without its query, which on a CDN is a signature that grants access for a while,
     * and without user info.
     */
    static String shown(URI u) {
        if (u == null) return "null";
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        String head = u.getScheme() == null || u.getHost() == null ? "" : u.getScheme() + "://" + u.getHost()
                + (u.getPort() >= 0 ? ":" + u.getPort() : "");
        return head + path + (u.getRawQuery() != null ? "?..." : "");
    }

    /** Same scheme, host and port: the test of {@link #onEndpoint}, where the token may go. */
    static boolean sameAuthority(URI a, URI b) {
        return a.getScheme() != null && a.getScheme().equalsIgnoreCase(b.getScheme())
                && a.getHost() != null && a.getHost().equalsIgnoreCase(b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        if (u.getPort() >= 0) return u.getPort();
        return "https".equalsIgnoreCase(u.getScheme()) ? 443 : 80;
    }

    /**
     * A request to {@code url}, with the token exactly when {@code url} is on the endpoint (scheme, host and port):
     * decided per hop, never inherited from the request that led here.
     */
    HttpRequest.Builder request(URI url, Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(url).timeout(timeout)
                .header("User-Agent", userAgent)
                // no compression: the size headers must describe the bytes we receive
                .header("Accept-Encoding", "identity");
        if (token != null && onEndpoint(url)) {
            if (!"https".equalsIgnoreCase(url.getScheme()) && !allowInsecureToken) {
                throw new ModelDownloadException(Reason.PROTOCOL, "refusing to send the Hugging Face token in clear text to "
                        + endpoint + " (HF_ENDPOINT is not https): use an https endpoint; or send no token"
                        + " (HF_HUB_DISABLE_IMPLICIT_TOKEN=1, unset HF_TOKEN); or, on a network you trust, set "
                        + HubDownloader.ALLOW_INSECURE_TOKEN + "=1");
            }
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    /** Whether a URL is on the Hub endpoint itself (where the token goes), as opposed to a CDN. */
    boolean onEndpoint(URI url) {
        return sameAuthority(url, endpoint);
    }

    // ---- repo info --------------------------------------------------------------------------------------

    /** Resolves a revision to its commit and lists the repo's files at that commit. */
    RepoInfo repoInfo(String repoId, String revision, DownloadJob job) {
        Subject who = new Subject(repoId, revision, null);
        HttpResponse<byte[]> r = getJson(apiUrl(repoId, revision), who, job);
        JsonObject o = parseObject(r.body(), r.uri(), who);
        String commit = o.has("sha") && o.get("sha").isJsonPrimitive() ? o.get("sha").getAsString() : null;
        if (commit == null || !HfCache.isCommitHash(commit)) {
            throw new ModelDownloadException(Reason.PROTOCOL, r.uri() + " answered without a commit hash ('sha') for "
                    + repoId + "@" + revision + "; is " + endpoint + " a Hugging Face Hub (HF_ENDPOINT)?");
        }
        List<String> files = new ArrayList<>();
        JsonElement sib = o.get("siblings");
        if (sib != null && sib.isJsonArray()) {
            for (JsonElement e : sib.getAsJsonArray()) {
                if (e.isJsonObject() && isString(e.getAsJsonObject(), "rfilename")) {
                    files.add(e.getAsJsonObject().get("rfilename").getAsString());
                }
            }
        }
        if (files.isEmpty() || files.size() > VERY_LARGE_REPO) {
            LOG.info("file list of {}@{} is empty or very long; listing the repo tree instead", repoId, revision);
            files = tree(repoId, commit, job);
        }
        return new RepoInfo(commit, List.copyOf(files));
    }

    /** {@code GET /api/models/{repo}/tree/{commit}?recursive=True}, following {@code Link: <...>; rel="next"} pages. */
    private List<String> tree(String repoId, String commit, DownloadJob job) {
        Subject who = new Subject(repoId, commit, null);
        List<String> files = new ArrayList<>();
        URI url = treeUrl(repoId, commit);
        for (int page = 0; url != null; page++) {
            if (page > 10_000) throw new ModelDownloadException(Reason.PROTOCOL, "the tree listing of " + repoId + " does not end");
            HttpResponse<byte[]> r = getJson(url, who, job);
            JsonElement e;
            try {
                e = JsonParser.parseString(new String(r.body(), StandardCharsets.UTF_8));
            } catch (RuntimeException ex) {
                throw new ModelDownloadException(Reason.PROTOCOL, r.uri() + " did not answer JSON: " + ex.getMessage(), ex);
            }
            if (!e.isJsonArray()) throw new ModelDownloadException(Reason.PROTOCOL, r.uri() + " did not answer a JSON array");
            for (JsonElement x : e.getAsJsonArray()) {
                if (!x.isJsonObject()) continue;
                JsonObject f = x.getAsJsonObject();
                if (isString(f, "type") && f.get("type").getAsString().equals("file") && isString(f, "path")) {
                    files.add(f.get("path").getAsString());
                }
            }
            url = nextPage(r, repoId);
        }
        return files;
    }

    private static boolean isString(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() && o.get(key).getAsJsonPrimitive().isString();
    }

    /** The {@code Link: <...>; rel="next"} page, which must be on the endpoint: the listing never leads us elsewhere. */
    private URI nextPage(HttpResponse<?> r, String repoId) {
        String link = r.headers().firstValue("Link").orElse(null);
        if (link == null) return null;
        Matcher m = LINK_NEXT.matcher(link);
        if (!m.find()) return null;
        URI next;
        try {
            next = r.uri().resolve(m.group(1).trim());
        } catch (IllegalArgumentException e) {
            throw new ModelDownloadException(Reason.PROTOCOL, r.uri() + " answered a bad Link header '" + link + "'", e);
        }
        if (!onEndpoint(next)) {
            throw new ModelDownloadException(Reason.PROTOCOL, "the file listing of " + repoId + " continues on " + next.getScheme()
                    + "://" + next.getAuthority() + ", which is not the Hub endpoint " + endpoint + "; refusing to follow it");
        }
        return next;
    }

    private HttpResponse<byte[]> getJson(URI url, Subject who, DownloadJob job) {
        URI u = url;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            URI at = u;
            HttpRequest req = request(u, metadataTimeout).header("Accept", "application/json").GET().build();
            HttpResponse<byte[]> r = sendWithRetries(req, info -> info.statusCode() >= 200 && info.statusCode() < 300
                    ? BoundedBody.failing(BoundedBody.MAX_JSON_BYTES, at)
                    : BoundedBody.truncating(BoundedBody.MAX_ERROR_BYTES), who, job);
            int s = r.statusCode();
            if (s >= 200 && s < 300) return r;
            if (isRedirect(s)) {
                u = redirectTarget(r, u, who);
                continue;
            }
            throw error(r.statusCode(), r.headers(), r.body(), r.uri(), who);
        }
        throw new ModelDownloadException(Reason.PROTOCOL, "too many redirects from " + url);
    }

    private static JsonObject parseObject(byte[] body, URI from, Subject who) {
        JsonElement e;
        try {
            e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
        } catch (RuntimeException ex) {
            throw new ModelDownloadException(Reason.PROTOCOL, from + " (info of " + who.repoId() + ") did not answer a JSON"
                    + " object: " + ex.getMessage(), ex);
        }
        if (!e.isJsonObject()) {
            throw new ModelDownloadException(Reason.PROTOCOL, from + " (info of " + who.repoId() + ") did not answer a JSON object");
        }
        return e.getAsJsonObject();
    }

    // ---- file metadata -------------------------------------------------------------------------------

    /**
     * {@code HEAD} of a file's resolve URL, as {@code get_hf_file_metadata}: relative redirects are followed,
     * the metadata comes from the last response (for an LFS file, the CDN redirect itself).
     */
    FileMeta head(String repoId, String revision, String path, DownloadJob job) {
        Subject who = new Subject(repoId, revision, path);
        URI url = resolveUrl(repoId, revision, path);
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest req = request(url, metadataTimeout).method("HEAD", HttpRequest.BodyPublishers.noBody()).build();
            HttpResponse<Void> r = sendWithRetries(req, HttpResponse.BodyHandlers.discarding(), who, job);
            int s = r.statusCode();
            URI location = url;
            if (isRedirect(s)) {
                String loc = r.headers().firstValue("Location").orElseThrow(() -> new ModelDownloadException(Reason.PROTOCOL,
                        "redirect without Location from " + shown(r.uri())));
                URI target = parseLocation(loc, r.uri());
                if (target.getHost() == null) { // relative: the repo was renamed; follow it
                    url = url.resolve(target);
                    continue;
                }
                location = checkedHop(url, target);
            } else if (s < 200 || s >= 300) {
                throw error(s, r.headers(), new byte[0], r.uri(), who);
            }
            HttpHeaders h = r.headers();
            String commit = h.firstValue(X_REPO_COMMIT).orElse(null);
            if (commit == null) {
                throw new ModelDownloadException(Reason.PROTOCOL, r.uri() + " answered without " + X_REPO_COMMIT
                        + ": it does not look like a Hugging Face Hub (check HF_ENDPOINT, proxy and firewall settings)");
            }
            String etag = normalizeEtag(h.firstValue(X_LINKED_ETAG).or(() -> h.firstValue("ETag")).orElse(null));
            if (etag == null || etag.isEmpty()) {
                throw new ModelDownloadException(Reason.PROTOCOL, r.uri() + " answered without an ETag for " + path
                        + " of " + repoId + "; the download could not be verified");
            }
            if (!etag.matches("[A-Za-z0-9._-]{1,200}") || etag.startsWith(".")) {
                throw new ModelDownloadException(Reason.PROTOCOL, "the ETag '" + etag + "' of " + path + " is not a safe blob name");
            }
            Optional<String> size = h.firstValue(X_LINKED_SIZE).or(() -> h.firstValue("Content-Length"));
            long n;
            try {
                n = Long.parseLong(size.orElseThrow().trim());
                if (n < 0) throw new NumberFormatException("negative");
            } catch (RuntimeException e) {
                throw new ModelDownloadException(Reason.PROTOCOL, r.uri() + " answered without a valid size (" + X_LINKED_SIZE
                        + " / Content-Length) for " + path, e);
            }
            return new FileMeta(path, etag, n, commit, location);
        }
        throw new ModelDownloadException(Reason.PROTOCOL, "too many redirects for " + path + " of " + repoId);
    }

    /** {@code _normalize_etag}: drop a weak-validator prefix and the quotes. */
    static String normalizeEtag(String etag) {
        if (etag == null) return null;
        String e = etag.trim();
        if (e.startsWith("W/")) e = e.substring(2);
        if (e.length() >= 2 && e.startsWith("\"") && e.endsWith("\"")) e = e.substring(1, e.length() - 1);
        return e;
    }

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }

    /** Where a redirect leads, resolved against {@code from}; never from https to anything else. */
    static URI redirectTarget(HttpResponse<?> r, URI from, Subject who) {
        String loc = r.headers().firstValue("Location").orElseThrow(() -> new ModelDownloadException(Reason.PROTOCOL,
                "redirect without Location from " + shown(r.uri()) + " (" + who.repoId() + ")"));
        URI target = parseLocation(loc, r.uri());
        try {
            return checkedHop(from, from.resolve(target));
        } catch (IllegalArgumentException e) {
            throw new ModelDownloadException(Reason.PROTOCOL, "bad redirect Location from " + shown(r.uri()), e);
        }
    }

    private static URI parseLocation(String loc, URI from) {
        try {
            return URI.create(loc.trim());
        } catch (IllegalArgumentException e) {
            throw new ModelDownloadException(Reason.PROTOCOL, "bad redirect Location from " + shown(from), e);
        }
    }

    /** A redirect hop: to http(s) only, and once on https never back to http (what a downgrade would expose). */
    static URI checkedHop(URI from, URI to) {
        String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http") || to.getHost() == null) {
            throw new ModelDownloadException(Reason.PROTOCOL, shown(from) + " redirected to '" + shown(to) + "', which is not an http(s) URL");
        }
        if ("https".equalsIgnoreCase(from.getScheme()) && !scheme.equals("https")) {
            throw new ModelDownloadException(Reason.PROTOCOL, from.getScheme() + "://" + from.getAuthority() + " redirected to "
                    + scheme + "://" + to.getAuthority() + ": refusing to leave https (the download would travel unprotected)");
        }
        return to;
    }

    static boolean retryableStatus(int s) {
        return s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
    }

    /**
     * Sends a small request, retrying connection errors, timeouts, 429 and 5xx ({@code http_backoff}: up to
     * {@link #retries} retries, waits doubling from {@link #backoff} to 8 s). Cancellation is checked while waiting.
     */
    <T> HttpResponse<T> sendWithRetries(HttpRequest req, HttpResponse.BodyHandler<T> handler, Subject who, DownloadJob job) {
        Duration wait = backoff;
        for (int attempt = 0; ; attempt++) {
            job.throwIfCancelled();
            String failure;
            Throwable cause = null;
            try {
                HttpResponse<T> r = await(client().sendAsync(req, handler), job, req.timeout().orElse(metadataTimeout).plusSeconds(5));
                if (!retryableStatus(r.statusCode())) return r;
                failure = "HTTP " + r.statusCode();
                if (attempt >= retries) return r;
            } catch (IOException e) {
                failure = e.getClass().getSimpleName() + (e.getMessage() != null ? ": " + e.getMessage() : "");
                cause = e;
                if (attempt >= retries) {
                    throw new ModelDownloadException(Reason.NETWORK, "cannot reach " + endpoint + " for " + describe(who)
                            + " (" + failure + ", after " + (attempt + 1) + " tries). Check the connection, proxy"
                            + " (-Dhttps.proxyHost) and HF_ENDPOINT; set HF_HUB_OFFLINE=1 to use only the local cache", e);
                }
            }
            LOG.warn("{} {} failed ({}); retrying in {} ms", req.method(), shown(req.uri()), failure, wait.toMillis());
            job.sleep(wait);
            wait = min(wait.multipliedBy(2), Duration.ofSeconds(8));
            if (cause != null) LOG.debug("retry cause", cause);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /** Waits for a response, polling the job's cancellation; timeouts and I/O failures come out as IOException. */
    static <T> T await(CompletableFuture<T> f, DownloadJob job, Duration limit) throws IOException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (job.cancelled()) {
                f.cancel(true);
                job.throwIfCancelled();
            }
            try {
                return f.get(100, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (System.nanoTime() > deadline) {
                    f.cancel(true);
                    throw new java.net.http.HttpTimeoutException("no answer within " + limit.toMillis() + " ms");
                }
            } catch (InterruptedException e) {
                f.cancel(true);
                Thread.currentThread().interrupt();
                job.abort();
                job.throwIfCancelled();
            } catch (ExecutionException e) {
                Throwable c = e.getCause();
                while (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) c = c.getCause();
                if (c instanceof IOException io) throw io;
                if (c instanceof ModelDownloadException m) throw m;
                if (c instanceof RuntimeException re) throw re;
                throw new IOException(c);
            }
        }
    }

    static String describe(Subject who) {
        return (who.file() != null ? "'" + who.file() + "' of " : "") + who.repoId() + "@" + who.revision();
    }

    // ---- errors ------------------------------------------------------------------------------------------

    /** {@code hf_raise_for_status}: the Hub's {@code X-Error-Code} / status turned into a typed error that says what to do. */
    ModelDownloadException error(int status, HttpHeaders h, byte[] body, URI url, Subject who) {
        String code = h.firstValue("X-Error-Code").orElse("");
        String serverMsg = h.firstValue("X-Error-Message").orElseGet(() -> jsonError(body));
        String said = serverMsg == null || serverMsg.isBlank() ? "" : " (the Hub said: " + serverMsg + ")";
        String repoPage = endpoint + "/" + who.repoId();
        String tokenHint = token == null
                ? "set HF_TOKEN to an access token (" + endpoint + "/settings/tokens) or log in with `huggingface-cli login`"
                + " (it writes HF_HOME/token, which Sprint reads too)"
                : "check that the token (HF_TOKEN or HF_HOME/token) belongs to an account that can read it";
        switch (code) {
            case "RevisionNotFound":
                return new ModelDownloadException(Reason.REVISION_NOT_FOUND, "revision '" + who.revision() + "' does not exist in "
                        + who.repoId() + said + ": give an existing branch, tag or commit (org/name@REVISION, --revision REVISION)");
            case "EntryNotFound":
                return new ModelDownloadException(Reason.ENTRY_NOT_FOUND, "file '" + who.file() + "' does not exist in "
                        + who.repoId() + " at revision " + who.revision() + said);
            case "GatedRepo":
                return new ModelDownloadException(Reason.GATED_REPO, who.repoId() + " is a gated repo (HTTP " + status + ")"
                        + said + ": accept its conditions at " + repoPage + " while logged in, then "
                        + (token == null ? tokenHint : "make sure the token (HF_TOKEN or HF_HOME/token) is of that account"
                        + " and access has been granted"));
            default:
                break;
        }
        if ("Access to this resource is disabled.".equals(serverMsg)) {
            return new ModelDownloadException(Reason.ACCESS_DENIED, "access to " + who.repoId() + " is disabled on the Hub" + said);
        }
        boolean invalidCredentials = "Invalid credentials in Authorization header".equals(serverMsg);
        if (code.equals("RepoNotFound") || (status == 401 && !invalidCredentials)) {
            return new ModelDownloadException(Reason.REPO_NOT_FOUND, "repo " + who.repoId() + " was not found on " + endpoint
                    + " (HTTP " + status + ")" + said + ": check the repo id; if it is private or gated, " + tokenHint);
        }
        if (status == 401 || status == 403) {
            return new ModelDownloadException(Reason.ACCESS_DENIED, "the Hub refused access to " + describe(who) + " (HTTP "
                    + status + ")" + said + ": " + (invalidCredentials ? "the token is invalid or expired; " : "") + tokenHint
                    + " and has read permission");
        }
        if (status == 404) {
            return who.file() != null
                    ? new ModelDownloadException(Reason.ENTRY_NOT_FOUND, "file '" + who.file() + "' of " + who.repoId()
                            + " was not found at " + shown(url) + " (HTTP 404)" + said)
                    : new ModelDownloadException(Reason.REPO_NOT_FOUND, "repo " + who.repoId() + " was not found on " + endpoint
                            + " (HTTP 404)" + said);
        }
        if (status >= 500 || status == 429) {
            return new ModelDownloadException(Reason.NETWORK, "the Hub keeps failing for " + describe(who) + " (HTTP " + status
                    + ")" + said + "; try again later, or set HF_HUB_OFFLINE=1 to use only the local cache");
        }
        return new ModelDownloadException(Reason.PROTOCOL, "unexpected HTTP " + status + " from " + shown(url) + " for "
                + describe(who) + said);
    }

    private static String jsonError(byte[] body) {
        if (body == null || body.length == 0 || body.length > 65536) return null;
        try {
            JsonElement e = JsonParser.parseString(new String(body, StandardCharsets.UTF_8));
            if (e.isJsonObject() && e.getAsJsonObject().has("error")) return e.getAsJsonObject().get("error").getAsString();
        } catch (RuntimeException ignored) {
            // not JSON: nothing to quote
        }
        return null;
    }
}
