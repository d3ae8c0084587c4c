package dev.sprint.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/** HTTP/1.1 over a plain socket: for what the JDK client will not send (a foreign Host) or do (hang up, dribble). */
final class RawHttp {
    private RawHttp() {}

    /** A socket to the server of {@code base} (http://host:port), with a read timeout. */
    static Socket connect(String base, int readTimeoutMillis) {
        URI u = URI.create(base);
        try {
            Socket s = new Socket(u.getHost(), u.getPort());
            s.setSoTimeout(readTimeoutMillis);
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One request (Connection: close) and the whole response as text. */
    static String exchange(String base, String method, String path, String host, String body, String... headers) {
        try (Socket s = connect(base, 60_000)) {
            s.getOutputStream().write(request(method, path, host, body, headers));
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] request(String method, String path, String host, String body, String... headers) {
        StringBuilder r = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
        for (int i = 0; i < headers.length; i += 2) r.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) r.append("Content-Length: ").append(b.length).append("\r\n");
        r.append("\r\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(r.toString().getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(b);
        return out.toByteArray();
    }

    private static final Map<Socket, ByteArrayOutputStream> RECEIVED = Collections.synchronizedMap(new WeakHashMap<>());

    /** What {@link #closedByServer} read from the socket before it closed. */
    static String received(Socket s) {
        ByteArrayOutputStream b = RECEIVED.get(s);
        return b == null ? "" : b.toString(StandardCharsets.UTF_8);
    }

    /** The status code of a raw response. */
    static int status(String response) {
        return Integer.parseInt(response.substring(9, 12));
    }

    /**
     * Whether the server has closed the connection: end of stream (possibly after a response), or a reset.
     * Blocks up to the socket's read timeout; false when it is still open then.
     */
    static boolean closedByServer(Socket s) {
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            ByteArrayOutputStream got = RECEIVED.computeIfAbsent(s, k -> new ByteArrayOutputStream());
            for (int n; (n = in.read(buf)) >= 0; ) got.write(buf, 0, n); // a 408 or 400 may come first; the end follows
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true; // reset
        }
    }
}
