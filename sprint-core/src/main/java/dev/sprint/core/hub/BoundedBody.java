package dev.sprint.core.hub;

import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.ModelDownloadException.Reason;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpResponse.BodySubscriber;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read into memory up to a limit, so that no server can make the downloader allocate what it
 * likes ({@code BodySubscribers.ofByteArray()} has no limit). Past the limit the transfer is cancelled (the
 * connection is dropped, the rest is never read) and the body either fails ({@link #failing}: an API answer
 * must be whole) or ends with what came so far ({@link #truncating}: an error page is only quoted).
 */
final class BoundedBody implements BodySubscriber<byte[]> {
    /** Largest API answer read (a revision listing 50 000 files is about 4 MB). */
    static final int MAX_JSON_BYTES = 16 << 20;
    /** Bytes of an error or redirect body kept; the Hub's error JSON is a few hundred bytes. */
    static final int MAX_ERROR_BYTES = 64 << 10;

    private final int limit;
    private final URI from; // null: truncate instead of failing
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    // Flow signals come one at a time (Reactive Streams rule 1.3), each seeing the previous one's writes
    private volatile Flow.Subscription subscription;

    private BoundedBody(int limit, URI from) {
        this.limit = limit;
        this.from = from;
    }

    /** A body of at most {@code limit} bytes; a longer one fails with a {@link Reason#PROTOCOL} error naming {@code from}. */
    static BoundedBody failing(int limit, URI from) {
        return new BoundedBody(limit, from);
    }

    /** The first {@code limit} bytes of a body; the rest is not read. */
    static BoundedBody truncating(int limit) {
        return new BoundedBody(limit, null);
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (keep(items)) subscription.request(1);
    }

    /** Keeps the items' bytes; past the limit, cancels the transfer, ends the body and returns false. */
    private boolean keep(List<ByteBuffer> items) {
        if (body.isDone()) return false;
        for (ByteBuffer b : items) {
            int n = Math.min(b.remaining(), limit - bytes.size());
            byte[] chunk = new byte[n];
            b.get(chunk);
            bytes.write(chunk, 0, n);
            if (b.hasRemaining()) {
                subscription.cancel();
                if (from == null) {
                    body.complete(bytes.toByteArray());
                } else {
                    body.completeExceptionally(new ModelDownloadException(Reason.PROTOCOL, HubHttp.shown(from)
                            + " answered more than " + limit + " bytes, more than any Hub answer has; refusing to read it"));
                }
                return false;
            }
        }
        return true;
    }

    @Override
    public void onError(Throwable t) {
        body.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
        body.complete(bytes.toByteArray());
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }
}
