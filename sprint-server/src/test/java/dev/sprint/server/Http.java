package dev.sprint.server;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** A small JDK HTTP client for the server tests: raw status, headers and body. */
final class Http {
    final String base;
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String[] always;

    Http(String base) {
        this(base, new String[0]);
    }

    private Http(String base, String[] always) {
        this.base = base;
        this.always = always;
    }

    /** A client that sends {@code Authorization: Bearer key} with every request. */
    Http withKey(String key) {
        return new Http(base, new String[] {"Authorization", "Bearer " + key});
    }

    /** GET with extra headers (name, value, ...). */
    Response get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(b);
    }

    /** A request with any method, content type and body. */
    Response send(String method, String path, String contentType, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) b.header("Content-Type", contentType);
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        return send(b);
    }

    record Response(int status, java.net.http.HttpHeaders headers, String body) {
        JsonObject json() {
            return JsonParser.parseString(body).getAsJsonObject();
        }

        String header(String name) {
            return headers.firstValue(name).orElse(null);
        }
    }


    Response delete(String path) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).DELETE());
    }

    Response post(String path, String json, String... headers) {
        return join(postAsync(path, json, headers));
    }

    CompletableFuture<Response> postAsync(String path, String json, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json));
        for (int i = 0; i < headers.length; i += 2) b.header(headers[i], headers[i + 1]);
        for (int i = 0; i < always.length; i += 2) b.header(always[i], always[i + 1]);
        return client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Response(r.statusCode(), r.headers(), r.body()));
    }

    /** multipart/form-data with text fields and files (name → {filename, content type, bytes}). */
    Response multipart(String path, Map<String, String> fields, Map<String, Object[]> files) {
        String boundary = "----sprint-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        try {
            for (Map.Entry<String, String> f : fields.entrySet()) {
                body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"\r\n\r\n" + f.getValue()
                        + "\r\n").getBytes(StandardCharsets.UTF_8));
            }
            for (Map.Entry<String, Object[]> f : files.entrySet()) {
                body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + f.getKey() + "\"; filename=\"" + f.getValue()[0]
                        + "\"\r\nContent-Type: " + f.getValue()[1] + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
                body.write((byte[]) f.getValue()[2]);
                body.write("\r\n".getBytes(StandardCharsets.UTF_8));
            }
            body.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(2))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())));
    }

    private Response send(HttpRequest.Builder b) {
        for (int i = 0; i < always.length; i += 2) b.header(always[i], always[i + 1]);
        return join(client.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Response(r.statusCode(), r.headers(), r.body())));
    }

    static Response join(CompletableFuture<Response> f) {
        try {
            return f.get(2, java.util.concurrent.TimeUnit.MINUTES);
        } catch (Exception e) {
            throw new AssertionError("HTTP request failed: " + e, e);
        }
    }
}
