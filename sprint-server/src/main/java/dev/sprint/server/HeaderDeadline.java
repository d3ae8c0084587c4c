package dev.sprint.server;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.HttpConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections that take longer than a deadline to send one request's headers (slow loris). Jetty's idle
 * timeout only bounds the gap between two bytes, so a client sending a header byte every few seconds would hold
 * its connection for hours; the request body is bounded by Jetty's minimum data rate instead. A sweep every
 * quarter of the deadline looks at each connection's parser: one still inside the same request's headers past
 * the deadline is closed.
 */
final class HeaderDeadline implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HeaderDeadline.class);

    /** When a connection was first seen in the headers of its {@code request}-th request. */
    private record Seen(long request, long sinceNanos) {}

    private final AbstractConnector connector;
    private final long deadlineNanos;
    private final Map<EndPoint, Seen> inHeaders = new ConcurrentHashMap<>();
    private final ScheduledExecutorService timer;

    HeaderDeadline(AbstractConnector connector, Duration deadline) {
        this.connector = connector;
        this.deadlineNanos = deadline.toNanos();
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "sprint-header-deadline");
            th.setDaemon(true);
            return th;
        });
        timer = t;
        long period = Math.max(10, deadline.toMillis() / 4);
        timer.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.MILLISECONDS);
    }

    private void sweep() {
        long now = System.nanoTime();
        inHeaders.keySet().removeIf(ep -> !ep.isOpen());
        for (EndPoint ep : connector.getConnectedEndPoints()) {
            if (!(ep.getConnection() instanceof HttpConnection c)) continue;
            HttpParser.State s = c.getParser().getState();
            if (s == HttpParser.State.START || !c.getParser().inHeaderState()) {
                inHeaders.remove(ep);
                continue;
            }
            long request = c.getMessagesIn();
            Seen seen = inHeaders.compute(ep, (k, old) -> old != null && old.request == request ? old : new Seen(request, now));
            if (now - seen.sinceNanos > deadlineNanos) {
                LOG.info("closing a connection from {} that sent no complete request headers within {} ms", ep.getRemoteSocketAddress(),
                        deadlineNanos / 1_000_000);
                inHeaders.remove(ep);
                ep.close();
            }
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
