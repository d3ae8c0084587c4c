package dev.sprint.server;

import io.javalin.http.Context;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Base64;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which browsers' requests a server takes: the {@code Host} a request names, the {@code Origin} a browser
 * sends, the content types of bodies, and the headers every response carries.
 *
 * <ul>
 *   <li>{@code Host} must be {@code localhost} (or a {@code *.localhost} name), an IP literal, or a name given
 *       to {@link SprintServer.Builder#allowHost}. A DNS-rebinding page reaches the server under the
 *       attacker's own name, which is refused; an IP literal cannot be rebound.</li>
 *   <li>A request with an {@code Origin} is taken when that origin is the server's own (same host and port
 *       as {@code Host}) or one given to {@link SprintServer.Builder#allowOrigin}; listed origins get CORS
 *       headers. Requests without {@code Origin} (curl, SDKs) are not browsers' cross-site requests.</li>
 *   <li>JSON endpoints take only {@code application/json}, edits only {@code multipart/form-data} (415
 *       otherwise): the content types a cross-site form or a simple {@code fetch} can send without a CORS
 *       preflight ({@code text/plain}, {@code application/x-www-form-urlencoded}) are refused.</li>
 * </ul>
 */
final class RequestPolicy {
    private static final Pattern IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern INLINE = Pattern.compile("<(script|style)>(.*?)</\\1>", Pattern.DOTALL);
    private static final Pattern IPV6 = Pattern.compile("\\[[0-9A-Fa-f:.]+(%[0-9A-Za-z._~-]+)?]");
    /** CSP of JSON and other non-page responses: nothing may load from them, nothing may frame them. */
    static final String API_CSP = "default-src 'none'; frame-ancestors 'none'";

    private final Set<String> hosts;
    private final Set<String> origins;

    RequestPolicy(Set<String> allowedHosts, Set<String> allowedOrigins) {
        hosts = allowedHosts.stream().map(h -> h.toLowerCase(Locale.ROOT)).collect(Collectors.toUnmodifiableSet());
        origins = allowedOrigins.stream().map(RequestPolicy::normalOrigin).collect(Collectors.toUnmodifiableSet());
    }

    /** An origin as browsers send it: scheme://host[:port], lower case, no trailing slash. */
    static String normalOrigin(String origin) {
        String o = origin.strip().toLowerCase(Locale.ROOT);
        return o.endsWith("/") ? o.substring(0, o.length() - 1) : o;
    }

    /** Headers of every response: no sniffing, no framing, no referrer. */
    static void securityHeaders(Context ctx, String csp) {
        ctx.header("Content-Security-Policy", csp);
        ctx.header("X-Content-Type-Options", "nosniff");
        ctx.header("X-Frame-Options", "DENY");
        ctx.header("Referrer-Policy", "no-referrer");
    }

    /** 403 unless the {@code Host} header names this server as allowed. */
    void checkHost(String host) {
        if (host == null || host.isBlank()) throw forbidden("The request has no Host header.", "host_not_allowed");
        String name = hostName(host.strip()).toLowerCase(Locale.ROOT);
        if (name.equals("localhost") || name.endsWith(".localhost") || IPV4.matcher(name).matches() || IPV6.matcher(name).matches()
                || hosts.contains(name)) {
            return;
        }
        throw forbidden("Host '" + name + "' is not served here; the server's operator can allow it with --allow-host.",
                "host_not_allowed");
    }

    /**
     * Checks a browser's {@code Origin}.
     *
     * @return whether the origin is one of the allowed cross origins (the response then needs CORS headers)
     * @throws ApiError 403 for a foreign origin
     */
    boolean checkOrigin(String origin, String host) {
        if (origin == null) return false;
        String o = normalOrigin(origin);
        if (origins.contains(o)) return true;
        if (host != null && sameOrigin(o, host.strip().toLowerCase(Locale.ROOT))) return false;
        throw forbidden("Cross-origin requests from " + (o.length() > 200 ? o.substring(0, 200) : o) + " are not allowed; the server's"
                + " operator can allow an origin with --allow-origin.", "origin_not_allowed");
    }

    /** CORS headers for an allowed cross origin. */
    static void corsHeaders(Context ctx, String origin) {
        ctx.header("Access-Control-Allow-Origin", origin);
        ctx.header("Vary", "Origin");
        ctx.header("Access-Control-Expose-Headers", SprintServer.JOB_HEADER + ", Retry-After");
    }

    /** The answer to a CORS preflight from an allowed origin. */
    static void preflight(Context ctx, String origin) {
        corsHeaders(ctx, origin);
        ctx.header("Access-Control-Allow-Methods", "GET, POST, DELETE");
        ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type, " + SprintServer.JOB_HEADER);
        ctx.header("Access-Control-Max-Age", "600");
        ctx.status(204);
    }

    /** 415 unless the body is {@code application/json} (a charset, if named, must be UTF-8). */
    static void requireJson(String contentType) {
        String[] parts = contentType == null ? new String[] {""} : contentType.split(";");
        boolean ok = parts[0].strip().equalsIgnoreCase("application/json");
        for (int i = 1; i < parts.length && ok; i++) {
            String p = parts[i].strip().toLowerCase(Locale.ROOT);
            if (p.startsWith("charset=")) ok = p.substring(8).replace("\"", "").equals("utf-8");
        }
        if (!ok) {
            throw new ApiError(415, ApiError.INVALID_REQUEST, "This endpoint takes a JSON body: Content-Type must be application/json.",
                    null, "unsupported_media_type", 0);
        }
    }

    /** 415 unless the body is {@code multipart/form-data}. */
    static void requireMultipart(String contentType) {
        if (contentType == null || !contentType.split(";")[0].strip().equalsIgnoreCase("multipart/form-data")) {
            throw new ApiError(415, ApiError.INVALID_REQUEST, "Image edits need a multipart/form-data body with an 'image' file and a"
                    + " 'prompt'.", null, "unsupported_media_type", 0);
        }
    }

    private static boolean sameOrigin(String origin, String host) {
        URI u;
        try {
            u = new URI(origin);
        } catch (URISyntaxException e) {
            return false;
        }
        String scheme = u.getScheme();
        if (u.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) return false;
        int originPort = u.getPort() >= 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
        String hostName = hostName(host);
        String hostPort = host.substring(hostName.length());
        // behind a TLS proxy the Host may carry no port: then the origin's (default) port is the one the browser used
        boolean portOk = hostPort.isEmpty() ? (originPort == 80 || originPort == 443) : hostPort.equals(":" + originPort);
        return u.getHost().equals(hostName) && portOk;
    }

    /** The name part of a Host header: "[::1]:8080" → "[::1]", "example.com:80" → "example.com". */
    private static String hostName(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.lastIndexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    private static ApiError forbidden(String message, String code) {
        return new ApiError(403, ApiError.INVALID_REQUEST, message, null, code, 0);
    }

    /** The page's CSP: its own inline script and style by hash, images from data: URLs, requests to itself only. */
    static String pageCsp(String html) {
        StringBuilder scripts = new StringBuilder();
        StringBuilder styles = new StringBuilder();
        for (Matcher m = INLINE.matcher(html); m.find(); ) {
            String hash = " 'sha256-" + Base64.getEncoder().encodeToString(ApiKeys.sha256(m.group(2))) + "'";
            (m.group(1).equals("script") ? scripts : styles).append(hash);
        }
        return "default-src 'none'; script-src" + (scripts.length() == 0 ? " 'none'" : scripts) + "; style-src"
                + (styles.length() == 0 ? " 'none'" : styles) + "; img-src data:; connect-src 'self'; base-uri 'none';"
                + " form-action 'none'; frame-ancestors 'none'";
    }

    /** Whether {@code host} is a loopback interface: localhost, 127.0.0.0/8, ::1, or a name resolving only to those. */
    static boolean isLoopback(String host) {
        String h = host.strip();
        if (h.startsWith("[") && h.endsWith("]")) h = h.substring(1, h.length() - 1);
        if (h.equalsIgnoreCase("localhost")) return true;
        try {
            InetAddress[] all = InetAddress.getAllByName(h);
            for (InetAddress a : all) {
                if (!a.isLoopbackAddress()) return false;
            }
            return all.length > 0;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
