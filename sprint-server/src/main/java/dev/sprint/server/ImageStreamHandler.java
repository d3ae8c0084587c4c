package dev.sprint.server;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.PreviewEvent;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code "stream": true} images call answered as OpenAI's image streaming events ({@code text/event-stream}):
 * up to {@code partial_images} {@code image_generation.partial_image} events per image (previews of the sampler's
 * estimate, spread over the steps before the last), then one {@code image_generation.completed} event per image;
 * edits use the {@code image_edit.*} names. A failure after the stream began is an {@code error} event whose data
 * is OpenAI's error object. Events are encoded and written in order on the response executor, never on the
 * generating worker; a client that goes away cancels the request.
 */
final class ImageStreamHandler {
    private static final Logger LOG = LoggerFactory.getLogger(ImageStreamHandler.class);
    private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

    private final Context ctx;
    private final ImagesRequest call;
    private final Executor responses;
    private final String prefix;
    private final String model;
    private final int[] partialsSent;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);
    private OutputStream out;
    private volatile ImageJob job;
    private volatile String id;
    private volatile boolean broken;

    /**
     * @param prefix {@code image_generation} or {@code image_edit}
     * @param model  the model's public name, which the final images' provenance shows (never a local path)
     */
    ImageStreamHandler(Context ctx, ImagesRequest call, Executor responses, String prefix, String model) {
        this.ctx = ctx;
        this.call = call;
        this.responses = responses;
        this.prefix = prefix;
        this.model = model;
        GenerationRequest r = call.request();
        this.partialsSent = new int[r.prompts().size() * r.imagesPerPrompt()];
    }

    /**
     * Queues the request, with previews after every step when partial images are asked for and the pipeline can make
     * them ({@code canPreview}; else the stream has the completed images only, as OpenAI allows fewer partial images).
     */
    ImageJob submit(ImageService service, Duration timeout, boolean canPreview) {
        if (call.partialImages() == 0 || !canPreview) return service.submit(call.request(), timeout);
        return service.submit(call.request().toBuilder().previews(1).build(), timeout, this::preview);
    }

    /**
     * Opens the event stream and answers asynchronously until the job's last event; {@code done} runs after it.
     *
     * @param requestId the request's id ({@code X-Sprint-Job-Id})
     */
    void start(ImageJob submitted, String requestId, Runnable done) {
        job = submitted;
        id = requestId;
        HttpServletResponse res = ctx.res();
        ctx.status(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("UTF-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no"); // proxies must pass events on at once
        try {
            out = res.getOutputStream();
            res.flushBuffer();
        } catch (IOException e) {
            broken(e);
        }
        submitted.whenComplete((result, error) -> enqueue(() -> {
            if (error != null) error(error);
            else completed(result);
        }).whenComplete((v, e) -> finished.complete(null)));
        ctx.future(() -> finished.whenComplete((v, e) -> done.run()));
    }

    /**
     * On the worker: the steps before the last are candidates (the last step's estimate is the final image);
     * {@code partial_images} of them are sent, spread evenly and ending with the last candidate.
     */
    private void preview(PreviewEvent e) {
        int candidates = e.steps() - 1;
        if (e.step() >= candidates || !chosen(e.step(), candidates, call.partialImages())) return;
        List<java.awt.image.BufferedImage> images = e.images();
        for (int i = 0; i < images.size() && i < partialsSent.length; i++) {
            int index = partialsSent[i]++;
            int image = i;
            java.awt.image.BufferedImage img = images.get(i);
            enqueue(() -> {
                JsonObject d = event(prefix + ".partial_image", img.getWidth(), img.getHeight(),
                        ImageEncoding.encode(img, call.outputFormat(), call.compression()));
                d.addProperty("partial_image_index", index);
                d.add("sprint", sprint(image, e.step()));
                send(prefix + ".partial_image", d);
            });
        }
    }

    /** Whether step {@code step} of {@code candidates} is one of the {@code wanted} spread evenly over them. */
    static boolean chosen(int step, int candidates, int wanted) {
        if (wanted >= candidates) return true;
        for (int j = 0; j < wanted; j++) {
            if (Math.round((j + 1) * (double) candidates / wanted) - 1 == step) return true;
        }
        return false;
    }

    private void completed(GenerationResult r) {
        List<GeneratedImage> images = r.images();
        for (int i = 0; i < images.size(); i++) {
            GeneratedImage img = ImageEncoding.withModel(images.get(i), model);
            JsonObject d = event(prefix + ".completed", img.width(), img.height(),
                    ImageEncoding.encode(img, call.outputFormat(), call.compression()));
            JsonObject sprint = SprintServer.sprintInfo(job, r, id);
            sprint.addProperty("image_index", i);
            sprint.addProperty("seed", job.seeds().get(i));
            d.add("sprint", sprint);
            send(prefix + ".completed", d);
        }
    }

    private void error(Throwable t) {
        ApiError e = ApiError.forClient(t, LOG, id + " (streaming)");
        JsonObject d = e.body();
        d.addProperty("type", "error");
        send("error", d);
    }

    private JsonObject event(String type, int width, int height, byte[] image) {
        JsonObject d = new JsonObject();
        d.addProperty("type", type);
        d.addProperty("b64_json", Base64.getEncoder().encodeToString(image));
        d.addProperty("created_at", Instant.now().getEpochSecond());
        d.addProperty("size", width + "x" + height);
        d.addProperty("quality", "auto");
        d.addProperty("background", "opaque");
        d.addProperty("output_format", call.outputFormat());
        return d;
    }

    private static JsonObject sprint(int image, int step) {
        JsonObject s = new JsonObject();
        s.addProperty("image_index", image);
        if (step >= 0) s.addProperty("step", step);
        return s;
    }

    /** Runs {@code write} after every earlier event, on the response executor. */
    private synchronized CompletableFuture<Void> enqueue(Runnable write) {
        tail = tail.thenRunAsync(() -> {
            if (broken) return;
            try {
                write.run();
            } catch (RuntimeException e) {
                LOG.warn("{}: an event could not be written", job == null ? "stream" : job.id(), e);
                broken = true;
            }
        }, responses);
        return tail;
    }

    private void send(String event, JsonObject data) {
        if (broken || out == null) return;
        try {
            out.write(("event: " + event + "\ndata: " + GSON.toJson(data) + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            broken(e);
        }
    }

    /** The client went away: nobody wants the images any more. */
    private void broken(IOException e) {
        broken = true;
        LOG.debug("stream closed by the client: {}", e.toString());
        ImageJob j = job;
        if (j != null) j.cancel(false);
    }
}
