package dev.sprint.server;

import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.sprint.api.GenerationCancelledException;
import dev.sprint.api.InvalidRequestException;
import java.util.concurrent.CancellationException;
import java.security.SecureRandom;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.http.BadMessageException;
import org.slf4j.Logger;

/**
 * An HTTP error in OpenAI's shape, {@code {"error": {"message", "type", "param", "code"}}}, with its status.
 * Thrown inside request handling and written by the server; never leaves this package.
 */
final class ApiError extends RuntimeException {
    static final String INVALID_REQUEST = "invalid_request_error";
    static final String SERVER_ERROR = "server_error";
    static final String RATE_LIMIT = "rate_limit_error";
    private static final SecureRandom IDS = new SecureRandom();

    final int status;
    final String type;
    final String param;
    final String code;
    final long retryAfterSeconds;

    ApiError(int status, String type, String message, String param, String code, long retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400 invalid_request_error. */
    static ApiError invalid(String message, String param, String code) {
        return new ApiError(400, INVALID_REQUEST, message, param, code, 0);
    }

    /** The error a failed request gets: 400 for bad requests, 429 full queue, 503 shutting down, 504 deadline, 500 otherwise. */
    static ApiError of(Throwable t) {
        Throwable e = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        if (e instanceof ApiError a) return a;
        if (e instanceof InvalidRequestException) return invalid(e.getMessage(), null, "invalid_value");
        if (e instanceof BadMessageException b && b.getCode() >= 400 && b.getCode() < 500) { // Jetty: too slow, too large, malformed
            return new ApiError(b.getCode(), INVALID_REQUEST, b.getCode() == 408 ? "The request body arrived too slowly." : "The request"
                    + " could not be read (HTTP " + b.getCode() + ").", null, b.getCode() == 408 ? "request_timeout" : "bad_request", 0);
        }
        if (e instanceof QueueFullException q) {
            return new ApiError(429, RATE_LIMIT, e.getMessage(), null, "queue_full", q.retryAfterSeconds());
        }
        if (e instanceof ServiceClosedException) return new ApiError(503, SERVER_ERROR, e.getMessage(), null, "shutting_down", 0);
        if (e instanceof DeadlineExceededException) return new ApiError(504, SERVER_ERROR, e.getMessage(), null, "deadline_exceeded", 0);
        if (e instanceof CancellationException || e instanceof GenerationCancelledException) {
            return new ApiError(409, INVALID_REQUEST, "the request was cancelled", null, "request_cancelled", 0);
        }
        return new ApiError(500, SERVER_ERROR, "The server had an error while processing your request.", null, null, 0);
    }

    /**
     * {@link #of} for a client: a 500 carries no exception text (it may name files, hosts or internals), only an
     * error id; the exception goes to the log under that id.
     */
    static ApiError forClient(Throwable t, Logger log, String what) {
        ApiError e = of(t);
        if (e.status != 500) return e;
        String ref = Long.toHexString(IDS.nextLong() & 0xFFFFFFFFFFFFL);
        Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
        log.error("{} failed (error id {}): {}", what, ref, PublicText.withoutQueries(cause.toString()));
        log.debug("error id {}", ref, cause);
        return new ApiError(500, SERVER_ERROR, "The server had an error while processing your request (error id " + ref
                + "); the server log has the details.", null, null, 0);
    }

    JsonObject body() {
        JsonObject err = new JsonObject();
        err.addProperty("message", getMessage());
        err.addProperty("type", type);
        err.add("param", param == null ? JsonNull.INSTANCE : new JsonPrimitive(param));
        err.add("code", code == null ? JsonNull.INSTANCE : new JsonPrimitive(code));
        JsonObject root = new JsonObject();
        root.add("error", err);
        return root;
    }
}
