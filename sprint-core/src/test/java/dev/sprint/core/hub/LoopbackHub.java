package dev.sprint.core.hub;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A Hugging Face Hub on the loopback interface, for tests: a plain HTTP/1.1 server (written on sockets so
 * that responses can be cut, slowed or corrupted at the byte level) answering like huggingface.co:
 * <ul>
 *   <li>{@code GET /api/models/{repo}/revision/{rev}} → {@code {"id","sha","siblings":[{"rfilename"}]}};
 *       {@code GET /api/models/{repo}/tree/{rev}?recursive=True} paginated through {@code Link: <..>; rel="next"};</li>
 *   <li>{@code HEAD|GET /{repo}/resolve/{rev}/{path}}: a git file answers 200 with {@code ETag: "<git blob sha1>"},
 *       {@code X-Repo-Commit}, {@code Content-Length}; an LFS file answers 302 to a second server (the "CDN", another
 *       port, so another host for the client) with {@code X-Linked-Etag: "<sha256>"}, {@code X-Linked-Size} and the
 *       pointer's {@code ETag};</li>
 *   <li>errors with {@code X-Error-Code} / {@code X-Error-Message}: RepoNotFound (401 anonymous, 404 with a token),
 *       RevisionNotFound, EntryNotFound, GatedRepo (401 anonymous, 403 with a token without access); a renamed repo
 *       answers a relative 307 to its new name.</li>
 * </ul>
 * Faults per file: cut the connection after N bytes, ignore {@code Range}, serve corrupted bytes, stall, throttle,
 * never end the body, answer an error with a huge body. Hostile Hubs: API answers redirected to the CDN's host,
 * tree pages linked on the CDN's host, the Hub itself served over TLS ({@link #startTls}, while the CDN stays on
 * plain http). Every request is recorded, with its headers.
 */
public final class LoopbackHub implements AutoCloseable {
    /** One request as the server saw it. */
    public record Request(String server, String method, String target, Map<String, String> headers) {
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    /** A file of a repo. */
    public record RepoFile(String path, byte[] content, boolean lfs) {
        public String sha256() {
            return hex("SHA-256", content);
        }

        /** The git blob id: sha1 of "blob {size}\0" + content. */
        public String gitOid() {
            return LoopbackHub.gitOid(content);
        }

        /** The etag a client stores the file under: sha256 for LFS, git blob id otherwise. */
        public String etag() {
            return lfs ? sha256() : gitOid();
        }

        /** The git-lfs pointer file that git itself stores for an LFS file. */
        byte[] pointer() {
            return ("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256() + "\nsize " + content.length + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        }
    }

    /** What goes wrong when a file's bytes are served. */
    public static final class Fault {
        volatile long cutAfter = -1;
        final AtomicInteger cutTimes = new AtomicInteger();
        volatile boolean ignoreRange;
        volatile boolean corrupt;
        volatile long stallAfter = -1;
        volatile long stallMillis;
        final AtomicInteger stallTimes = new AtomicInteger();
        volatile int chunk = 64 * 1024;
        volatile long chunkDelayMillis;
        final AtomicInteger failStatus = new AtomicInteger();
        final AtomicInteger failTimes = new AtomicInteger();
        volatile boolean endless;
        volatile int cdnFailStatus;
        final AtomicInteger cdnFailTimes = new AtomicInteger();
        volatile long errorBodyBytes = -1;
        /** Body bytes the server managed to write for the last response with this fault. */
        final java.util.concurrent.atomic.AtomicLong sent = new java.util.concurrent.atomic.AtomicLong();

        /** The next {@code times} transfers of the file end (connection closed) after {@code bytes} bytes of body. */
        public Fault cutAfter(long bytes, int times) {
            cutAfter = bytes;
            cutTimes.set(times);
            return this;
        }

        /** Answers 200 with the whole file to Range requests, as a server without range support. */
        public Fault ignoreRange() {
            ignoreRange = true;
            return this;
        }

        /** Serves the file with one byte flipped (same size and headers). */
        public Fault corrupt(boolean on) {
            corrupt = on;
            return this;
        }

        /** The next {@code times} transfers stop sending after {@code bytes} bytes and hang for {@code millis} before closing. */
        public Fault stallAfter(long bytes, long millis, int times) {
            stallAfter = bytes;
            stallMillis = millis;
            stallTimes.set(times);
            return this;
        }

        /** Sends the body in chunks of {@code bytes}, sleeping {@code millis} between them. */
        public Fault throttle(int bytes, long millis) {
            chunk = bytes;
            chunkDelayMillis = millis;
            return this;
        }

        /**
         * The file's body has no length and never ends: after the real bytes, zeros follow until the client hangs
         * up (or {@link #ENDLESS_CAP} bytes, so that a broken client cannot keep a test running forever).
         */
        public Fault endless() {
            endless = true;
            return this;
        }

        /** Errors injected by {@link #failWith} carry a body of {@code bytes} bytes, streamed (never held in memory). */
        public Fault errorBody(long bytes) {
            errorBodyBytes = bytes;
            return this;
        }

        /** Body bytes written for the last response that used this fault (how far a client let it go). */
        public long sent() {
            return sent.get();
        }

        /** The next {@code times} GETs of the LFS file from the CDN (not the Hub's HEAD) answer this HTTP status. */
        public Fault cdnFailWith(int status, int times) {
            cdnFailStatus = status;
            cdnFailTimes.set(times);
            return this;
        }

        /** The next {@code times} requests for the file (HEAD or GET) answer this HTTP status. */
        public Fault failWith(int status, int times) {
            failStatus.set(status);
            failTimes.set(times);
            return this;
        }
    }

    /** A repo: commits (each a file map), branches/tags, gating. */
    public final class Repo {
        final String id;
        final Map<String, Map<String, RepoFile>> commits = new LinkedHashMap<>();
        final Map<String, String> refs = new ConcurrentHashMap<>();
        volatile String gatedToken;
        volatile boolean omitSiblings;
        private Map<String, RepoFile> building = new TreeMap<>();

        Repo(String id) {
            this.id = id;
        }

        /** Adds a file to the commit being built. */
        public Repo file(String path, byte[] content, boolean lfs) {
            building.put(path, new RepoFile(path, content, lfs));
            return this;
        }

        public Repo file(String path, String content) {
            return file(path, content.getBytes(StandardCharsets.UTF_8), false);
        }

        /**
         * Adds every file under {@code dir} (path prefix {@code prefix}); *.safetensors and tokenizer.json are LFS
         * files, as on the real repos.
         */
        public Repo folder(Path dir, String prefix) {
            return folder(dir, prefix, p -> p.endsWith(".safetensors") || p.endsWith("tokenizer.json"));
        }

        public Repo folder(Path dir, String prefix, Predicate<String> lfs) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.filter(Files::isRegularFile).sorted().toList()) {
                    String rel = prefix + dir.relativize(p).toString().replace('\\', '/');
                    file(rel, Files.readAllBytes(p), lfs.test(rel));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        /** Seals the files added so far as a commit and points {@code main} at it; later files start from a copy. */
        public String commit() {
            Map<String, RepoFile> files = Collections.unmodifiableMap(new TreeMap<>(building));
            StringBuilder h = new StringBuilder(id).append('\n').append(commits.size());
            files.values().forEach(f -> h.append('\n').append(f.path()).append(' ').append(f.etag()));
            String sha = hex("SHA-1", h.toString().getBytes(StandardCharsets.UTF_8));
            commits.put(sha, files);
            refs.put("main", sha);
            building = new TreeMap<>(files);
            return sha;
        }

        public Repo tag(String name, String commit) {
            refs.put(name, commit);
            return this;
        }

        /** Only requests with this bearer token may read files (the API info stays public, as on the Hub). */
        public Repo gated(String token) {
            gatedToken = token;
            return this;
        }

        /** The revision answer lists no siblings, so clients must walk the tree. */
        public Repo omitSiblings() {
            omitSiblings = true;
            return this;
        }

        public String id() {
            return id;
        }

        public String mainCommit() {
            return refs.get("main");
        }

        public Map<String, RepoFile> files(String commit) {
            return commits.get(commit);
        }

        /** The fault settings for one file path of this repo. */
        public Fault fault(String path) {
            return faults.computeIfAbsent(id + "/" + path, k -> new Fault());
        }

        String resolve(String rev) {
            if (commits.containsKey(rev)) return rev;
            return refs.get(rev);
        }
    }

    /** Where an {@link Fault#endless} body stops when the client does not. */
    public static final long ENDLESS_CAP = 512L << 20;

    private final ServerSocket hub;
    private final ServerSocket cdn;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    private final Map<String, RepoFile> lfsBySha = new ConcurrentHashMap<>();
    private final Map<String, String> lfsOwner = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile boolean closed;
    private volatile int treePageSize = 3;
    private volatile String treeLinkBase;
    private volatile String apiRedirectBase;
    private final boolean tls;

    private LoopbackHub(javax.net.ssl.SSLContext tlsContext) throws IOException {
        InetAddress lo = InetAddress.getLoopbackAddress();
        tls = tlsContext != null;
        hub = tls ? tlsContext.getServerSocketFactory().createServerSocket(0, 50, lo) : new ServerSocket(0, 50, lo);
        cdn = new ServerSocket(0, 50, lo);
        accept(hub, "hub");
        accept(cdn, "cdn");
    }

    public static LoopbackHub start() {
        try {
            return new LoopbackHub(null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A Hub served over https with the key of {@code tls}; its CDN stays on plain http. */
    public static LoopbackHub startTls(TestTls tls) {
        try {
            return new LoopbackHub(tls.serverContext());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Hub endpoint, e.g. {@code http://127.0.0.1:40123}. */
    public String endpoint() {
        return (tls ? "https://" : "http://") + hub.getInetAddress().getHostAddress() + ":" + hub.getLocalPort();
    }

    /** Tree pages link their next page on {@code base} (another host) instead of the Hub. */
    public void linkTreePagesTo(String base) {
        treeLinkBase = base;
    }

    /** Every API request to the Hub answers 302 to the same path on {@code base}; the CDN serves the API too. */
    public void redirectApiTo(String base) {
        apiRedirectBase = base;
    }

    public String cdnEndpoint() {
        return "http://" + cdn.getInetAddress().getHostAddress() + ":" + cdn.getLocalPort();
    }

    public Repo repo(String id) {
        return repos.computeIfAbsent(id, Repo::new);
    }

    /** Requests for {@code oldId} redirect to {@code newId} (relative 307), as for a renamed repo. */
    public void rename(String oldId, String newId) {
        renamed.put(oldId, newId);
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    public void clearRequests() {
        requests.clear();
    }

    static String hex(String algo, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algo).digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String gitOid(byte[] content) {
        byte[] head = ("blob " + content.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + content.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(content, 0, all, head.length, content.length);
        return hex("SHA-1", all);
    }

    private void accept(ServerSocket ss, String name) {
        Thread t = new Thread(() -> {
            while (!closed) {
                try {
                    Socket s = ss.accept();
                    open.add(s);
                    Thread c = new Thread(() -> serve(s, name), "loopback-" + name + "-conn");
                    c.setDaemon(true);
                    c.start();
                } catch (IOException e) {
                    if (!closed) e.printStackTrace();
                }
            }
        }, "loopback-" + name);
        t.setDaemon(true);
        t.start();
        threads.add(t);
    }

    // ---- HTTP plumbing ---------------------------------------------------------------------------------

    private record Response(int status, Map<String, String> headers, byte[] body, Fault fault, long rangeStart) {}

    private void serve(Socket s, String server) {
        try (s) {
            s.setSoTimeout(30_000);
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            String line = readLine(in);
            if (line == null || line.isEmpty()) return;
            String[] parts = line.split(" ");
            Map<String, String> headers = new LinkedHashMap<>();
            for (String h = readLine(in); h != null && !h.isEmpty(); h = readLine(in)) {
                int c = h.indexOf(':');
                if (c > 0) headers.put(h.substring(0, c).trim().toLowerCase(Locale.ROOT), h.substring(c + 1).trim());
            }
            Request req = new Request(server, parts[0], parts[1], Map.copyOf(headers));
            requests.add(req);
            Response r = server.equals("hub") ? hubAnswer(req) : cdnAnswer(req);
            write(out, req, r);
        } catch (SocketException e) {
            // the client went away (e.g. a cancelled transfer)
        } catch (IOException e) {
            if (!closed) e.printStackTrace();
        } finally {
            open.remove(s);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') break;
            if (c != '\r') b.write(c);
        }
        if (c < 0 && b.size() == 0) return null;
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private static final Map<Integer, String> REASONS = Map.of(200, "OK", 206, "Partial Content", 302, "Found",
            307, "Temporary Redirect", 401, "Unauthorized", 403, "Forbidden", 404, "Not Found",
            416, "Range Not Satisfiable", 503, "Service Unavailable", 500, "Internal Server Error");

    private void write(OutputStream out, Request req, Response r) throws IOException {
        StringBuilder h = new StringBuilder("HTTP/1.1 ").append(r.status).append(' ')
                .append(REASONS.getOrDefault(r.status, "Status")).append("\r\n");
        Map<String, String> hs = new LinkedHashMap<>(r.headers);
        Fault ff = r.fault;
        boolean hugeError = ff != null && r.status >= 400 && ff.errorBodyBytes >= 0;
        boolean endless = ff != null && (r.status == 200 || r.status == 206) && ff.endless;
        if (hugeError) hs.put("Content-Length", String.valueOf(ff.errorBodyBytes));
        else if (!endless) hs.putIfAbsent("Content-Length", String.valueOf(r.body.length));
        hs.put("Connection", "close");
        hs.forEach((k, v) -> h.append(k).append(": ").append(v).append("\r\n"));
        h.append("\r\n");
        out.write(h.toString().getBytes(StandardCharsets.ISO_8859_1));
        if (req.method().equals("HEAD")) {
            out.flush();
            return;
        }
        if (hugeError || endless) {
            ff.sent.set(0);
            if (endless) {
                out.write(r.body);
                ff.sent.addAndGet(r.body.length);
            }
            streamZeros(out, hugeError ? ff.errorBodyBytes : ENDLESS_CAP, ff.sent);
            return;
        }
        byte[] body = r.body;
        Fault f = r.fault;
        long limit = body.length;
        long stallAt = -1;
        long stallFor = 0;
        if (f != null && (r.status == 200 || r.status == 206)) {
            if (f.cutAfter >= 0 && f.cutTimes.getAndUpdate(x -> Math.max(0, x - 1)) > 0) limit = Math.min(limit, f.cutAfter);
            if (f.stallAfter >= 0 && f.stallTimes.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
                stallAt = Math.min(body.length, f.stallAfter);
                stallFor = f.stallMillis;
            }
        }
        int chunk = f != null ? f.chunk : 64 * 1024;
        long delay = f != null ? f.chunkDelayMillis : 0;
        long pos = 0;
        while (pos < limit) {
            if (stallAt >= 0 && pos >= stallAt) break;
            int n = (int) Math.min(chunk, limit - pos);
            if (stallAt >= 0) n = (int) Math.min(n, stallAt - pos);
            out.write(body, (int) pos, n);
            out.flush();
            pos += n;
            if (delay > 0) sleep(delay);
        }
        out.flush();
        if (stallAt >= 0) sleep(stallFor);
        // returning closes the socket: a cut or stalled transfer ends short of its Content-Length
    }

    /** Writes {@code n} zero bytes from one small buffer, counting them; stops quietly when the client hangs up. */
    private static void streamZeros(OutputStream out, long n, java.util.concurrent.atomic.AtomicLong counter) {
        byte[] zeros = new byte[64 * 1024];
        long left = n;
        try {
            while (left > 0) {
                int k = (int) Math.min(zeros.length, left);
                out.write(zeros, 0, k);
                counter.addAndGet(k);
                left -= k;
            }
            out.flush();
        } catch (IOException e) {
            // the client stopped reading and closed the connection: what the tests expect of it
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Response withFault(Response r, Fault f) {
        return new Response(r.status(), r.headers(), r.body(), f, 0);
    }

    private static Response text(int status, String body, Map<String, String> headers) {
        return new Response(status, headers, body.getBytes(StandardCharsets.UTF_8), null, 0);
    }

    private static Response error(int status, String code, String message) {
        Map<String, String> h = new LinkedHashMap<>();
        if (code != null) h.put("X-Error-Code", code);
        h.put("X-Error-Message", message);
        h.put("Content-Type", "application/json");
        JsonObject o = new JsonObject();
        o.addProperty("error", message);
        return text(status, o.toString(), h);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private String bearer(Request req) {
        String a = req.header("Authorization");
        return a != null && a.startsWith("Bearer ") ? a.substring(7) : null;
    }

    // ---- the Hub ---------------------------------------------------------------------------------------

    private Response hubAnswer(Request req) {
        String target = req.target();
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        String query = target.contains("?") ? target.substring(target.indexOf('?') + 1) : "";
        if (path.startsWith("/api/models/")) {
            String away = apiRedirectBase;
            if (away != null) return text(302, "", Map.of("Location", away + target));
            return api(req, path.substring("/api/models/".length()), query);
        }
        int r = path.indexOf("/resolve/");
        if (r > 0) return resolve(req, path.substring(1, r), path.substring(r + "/resolve/".length()));
        return error(404, null, "Not Found");
    }

    private Response repoMissing(Request req, String id) {
        return bearer(req) == null
                ? error(401, "RepoNotFound", "Repository not found")
                : error(404, "RepoNotFound", "Repository not found");
    }

    private Response api(Request req, String rest, String query) {
        int rv = rest.indexOf("/revision/");
        int tr = rest.indexOf("/tree/");
        boolean tree = rv < 0 && tr > 0;
        int cut = tree ? tr : rv;
        if (cut <= 0) return error(404, null, "Not Found");
        String id = rest.substring(0, cut);
        String rev = decode(rest.substring(cut + (tree ? "/tree/" : "/revision/").length()));
        if (renamed.containsKey(id)) {
            return text(307, "", Map.of("Location", "/api/models/" + renamed.get(id) + rest.substring(cut)
                    + (query.isEmpty() ? "" : "?" + query)));
        }
        Repo repo = repos.get(id);
        if (repo == null) return repoMissing(req, id);
        Fault f = faults.get(id + "/" + "@api");
        if (f != null && f.failTimes.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
            return withFault(error(f.failStatus.get(), null, "injected failure"), f);
        }
        String commit = repo.resolve(rev);
        if (commit == null) return error(404, "RevisionNotFound", "Invalid rev id: " + rev);
        Map<String, RepoFile> files = repo.files(commit);
        if (tree) {
            List<String> names = new ArrayList<>(files.keySet());
            int page = 0;
            for (String kv : query.split("&")) if (kv.startsWith("cursor=")) page = Integer.parseInt(kv.substring(7));
            JsonArray arr = new JsonArray();
            // folders appear in the tree listing too (type "directory"), and must be skipped by clients
            if (page == 0) {
                names.stream().filter(n -> n.contains("/")).map(n -> n.substring(0, n.indexOf('/'))).distinct().forEach(d -> {
                    JsonObject o = new JsonObject();
                    o.addProperty("type", "directory");
                    o.addProperty("path", d);
                    arr.add(o);
                });
            }
            int from = page * treePageSize;
            for (int i = from; i < Math.min(names.size(), from + treePageSize); i++) {
                JsonObject o = new JsonObject();
                o.addProperty("type", "file");
                o.addProperty("path", names.get(i));
                o.addProperty("size", files.get(names.get(i)).content().length);
                arr.add(o);
            }
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Content-Type", "application/json");
            if (from + treePageSize < names.size()) {
                h.put("Link", "<" + (treeLinkBase != null ? treeLinkBase : endpoint()) + "/api/models/" + id + "/tree/" + commit + "?recursive=True&expand=False&cursor="
                        + (page + 1) + ">; rel=\"next\"");
            }
            return text(200, arr.toString(), h);
        }
        JsonObject o = new JsonObject();
        o.addProperty("_id", Integer.toHexString(id.hashCode()));
        o.addProperty("id", id);
        o.addProperty("sha", commit);
        o.addProperty("private", false);
        if (repo.gatedToken != null) o.addProperty("gated", "manual");
        else o.addProperty("gated", false);
        JsonArray sib = new JsonArray();
        if (!repo.omitSiblings) {
            for (String n : files.keySet()) {
                JsonObject x = new JsonObject();
                x.addProperty("rfilename", n);
                sib.add(x);
            }
        }
        o.add("siblings", sib);
        Response answer = text(200, o.toString(), Map.of("Content-Type", "application/json"));
        return f != null && f.endless ? withFault(answer, f) : answer;
    }

    private Response resolve(Request req, String id, String rest) {
        int slash = rest.indexOf('/');
        if (slash <= 0) return error(404, null, "Not Found");
        String rev = decode(rest.substring(0, slash));
        String file = decode(rest.substring(slash + 1));
        if (renamed.containsKey(id)) {
            return text(307, "Temporary Redirect. Redirecting to /" + renamed.get(id) + "/resolve/" + rest,
                    Map.of("Location", "/" + renamed.get(id) + "/resolve/" + rest));
        }
        Repo repo = repos.get(id);
        if (repo == null) return repoMissing(req, id);
        String commit = repo.resolve(rev);
        if (commit == null) return error(404, "RevisionNotFound", "Invalid rev id: " + rev);
        if (repo.gatedToken != null && !repo.gatedToken.equals(bearer(req))) {
            String msg = "Access to model " + id + " is restricted. You must have access to it and be authenticated to access it. Please log in.";
            return bearer(req) == null ? error(401, "GatedRepo", msg) : error(403, "GatedRepo", msg);
        }
        RepoFile f = repo.files(commit).get(file);
        Fault fault = faults.get(id + "/" + file);
        if (fault != null && fault.failTimes.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
            return withFault(error(fault.failStatus.get(), null, "injected failure"), fault);
        }
        if (f == null) {
            Response e = error(404, "EntryNotFound", "Entry not found");
            e.headers().put("X-Repo-Commit", commit);
            return e;
        }
        if (f.lfs()) {
            lfsBySha.put(f.sha256(), f);
            lfsOwner.put(f.sha256(), id + "/" + file);
            String loc = cdnEndpoint() + "/lfs/" + f.sha256() + "?X-Amz-Signature=" + hex("SHA-1", file.getBytes(StandardCharsets.UTF_8));
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Location", loc);
            h.put("ETag", "\"" + LoopbackHub.gitOid(f.pointer()) + "\"");
            h.put("X-Linked-Etag", "\"" + f.sha256() + "\"");
            h.put("X-Linked-Size", String.valueOf(f.content().length));
            h.put("X-Repo-Commit", commit);
            h.put("Accept-Ranges", "bytes");
            return text(302, "Found. Redirecting to " + loc, h);
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("ETag", "\"" + f.gitOid() + "\"");
        h.put("X-Repo-Commit", commit);
        h.put("Accept-Ranges", "bytes");
        return bytes(req, f.content(), h, fault);
    }

    /** A file body, honouring {@code Range: bytes=N-} unless the fault says otherwise. */
    private Response bytes(Request req, byte[] content, Map<String, String> h, Fault fault) {
        byte[] body = content;
        if (fault != null && fault.corrupt) {
            body = content.clone();
            body[body.length / 2] ^= 0x01;
        }
        String range = req.header("Range");
        if (range != null && (fault == null || !fault.ignoreRange)) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("bytes=(\\d+)-").matcher(range);
            if (m.matches()) {
                long start = Long.parseLong(m.group(1));
                if (start >= body.length) {
                    Map<String, String> e = new LinkedHashMap<>(h);
                    e.put("Content-Range", "bytes */" + body.length);
                    return new Response(416, e, new byte[0], null, 0);
                }
                byte[] part = java.util.Arrays.copyOfRange(body, (int) start, body.length);
                Map<String, String> p = new LinkedHashMap<>(h);
                p.put("Content-Range", "bytes " + start + "-" + (body.length - 1) + "/" + body.length);
                return new Response(206, p, part, fault, start);
            }
        }
        return new Response(200, h, body, fault, 0);
    }

    // ---- the CDN ---------------------------------------------------------------------------------------

    private Response cdnAnswer(Request req) {
        String path = req.target().contains("?") ? req.target().substring(0, req.target().indexOf('?')) : req.target();
        if (path.startsWith("/api/models/") && apiRedirectBase != null) {
            String query = req.target().contains("?") ? req.target().substring(req.target().indexOf('?') + 1) : "";
            return api(req, path.substring("/api/models/".length()), query);
        }
        if (!path.startsWith("/lfs/")) return text(404, "no such object", Map.of());
        String sha = path.substring(5);
        RepoFile f = lfsBySha.get(sha);
        if (f == null) return text(403, "<Error><Code>AccessDenied</Code></Error>", Map.of("Content-Type", "application/xml"));
        Fault fault = faults.get(lfsOwner.get(sha));
        if (fault != null && fault.cdnFailTimes.getAndUpdate(x -> Math.max(0, x - 1)) > 0) {
            return withFault(text(fault.cdnFailStatus, "<Error><Code>AccessDenied</Code></Error>",
                    Map.of("Content-Type", "application/xml")), fault);
        }
        Map<String, String> h = new LinkedHashMap<>();
        h.put("Content-Type", "application/octet-stream");
        h.put("Content-Disposition", "inline; filename*=UTF-8''" + f.path().substring(f.path().lastIndexOf('/') + 1) + "; filename=\""
                + f.path().substring(f.path().lastIndexOf('/') + 1) + "\";");
        h.put("ETag", "\"" + hex("MD5", f.content()) + "\"");
        h.put("Accept-Ranges", "bytes");
        return bytes(req, f.content(), h, faults.get(lfsOwner.get(sha)));
    }

    @Override
    public void close() {
        closed = true;
        try {
            hub.close();
            cdn.close();
        } catch (IOException ignored) {
            // closing
        }
        for (Socket s : open) {
            try {
                s.close();
            } catch (IOException ignored) {
                // closing
            }
        }
    }
}
