package dev.sprint.server;

import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cancels a job whose client has gone. While a request waits for its image, Jetty does not read its connection
 * (the body has been read; nothing more is expected), so it would only learn of a closed connection when the
 * response is written, after the whole generation. This polls each waiting connection with a non-blocking read
 * instead: end of stream or a reset means the client left, and the job is cancelled (a running batch stops at
 * its next step once none of its requests is wanted). Bytes that do arrive belong to a pipelined next request,
 * which this cannot hand back to Jetty: the response then closes the connection, and the client resends it, as
 * HTTP/1.1 asks of pipelining clients.
 */
final class ClientDisconnects implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClientDisconnects.class);

    private final ScheduledExecutorService timer;
    private final long periodMillis;

    ClientDisconnects(Duration period) {
        ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, r -> {
            Thread th = new Thread(r, "sprint-client-watch");
            th.setDaemon(true);
            return th;
        });
        t.setRemoveOnCancelPolicy(true);
        timer = t;
        periodMillis = Math.max(1, period.toMillis());
    }

    /** One watched request; {@link #stop()} before its response is written, so that Jetty alone reads from then on. */
    static final class Watch {
        private final EndPoint endPoint;
        private final ImageJob job;
        private final String id;
        private ScheduledFuture<?> task;
        private boolean stopped;
        private boolean sawPipelinedBytes;

        private Watch(EndPoint endPoint, ImageJob job, String id) {
            this.endPoint = endPoint;
            this.job = job;
            this.id = id;
        }

        private synchronized void probe() {
            if (stopped || job.isDone()) return;
            int n;
            try {
                // Jetty's buffers start empty (flush mode): BufferUtil.allocate, not ByteBuffer.allocate
                n = endPoint.isOpen() ? endPoint.fill(BufferUtil.allocate(1)) : -1;
            } catch (IOException e) {
                n = -1; // reset by the peer
            }
            if (n < 0) {
                stopped = true;
                task.cancel(false);
                LOG.info("{}: the client closed its connection; cancelling the request", id);
                job.cancel(false);
            } else if (n > 0) {
                stopped = true;
                sawPipelinedBytes = true;
                task.cancel(false);
            }
        }

        /**
         * Stops watching (waits for a probe in progress).
         *
         * @return whether the response must close the connection (a pipelined request's bytes were taken)
         */
        synchronized boolean stop() {
            stopped = true;
            if (task != null) task.cancel(false);
            return sawPipelinedBytes;
        }
    }

    /** Starts watching the connection of {@code request} until the job is done or {@link Watch#stop()}. */
    Watch watch(HttpServletRequest request, ImageJob job, String id) {
        Request base = Request.getBaseRequest(request);
        EndPoint ep = base == null || base.getHttpChannel() == null ? null : base.getHttpChannel().getEndPoint();
        Watch w = new Watch(ep, job, id);
        if (ep == null) return w;
        synchronized (w) {
            w.task = timer.scheduleWithFixedDelay(w::probe, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
        }
        job.whenComplete((r, e) -> w.task.cancel(false));
        return w;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
