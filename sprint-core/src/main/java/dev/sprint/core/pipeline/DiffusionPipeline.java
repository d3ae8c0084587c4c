package dev.sprint.core.pipeline;

import dev.sprint.api.BackendException;
import dev.sprint.api.CancellationToken;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationCancelledException;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Latents;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineClosedException;
import dev.sprint.api.Provenance;
import dev.sprint.api.RequestOption;
import dev.sprint.api.SprintException;
import dev.sprint.api.VaeTiling;
import dev.sprint.core.plan.MemoryPlan;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.image.ResolutionBinning;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.taesd.AutoencoderTiny;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The skeleton every pipeline family extends. It owns, in one place:
 * <ul>
 *   <li>request resolution of the shared fields ({@link BaseRequest}: prompts, images per prompt, size and
 *       binning, the seed rule of {@link Seeds}, output) and the bounds of {@link RequestLimits}; fields and
 *       typed options the family does not read are rejected, never ignored;</li>
 *   <li>the call discipline: requests are validated before the lock; one generation runs at a time; the
 *       call's check points (cancellation, interrupt, close) are installed for model code
 *       ({@link Cancellation}); anything but a {@link SprintException} leaving the family's code becomes a
 *       {@link BackendException};</li>
 *   <li>{@link #close()}: idempotent; new calls fail with {@link PipelineClosedException}, the running one
 *       stops at its next check point, then components and backend are released — nothing after close sees
 *       a backend error;</li>
 *   <li>timings, decode-to-image (chunked, binning crop, NaN/Inf check per {@link OutputCheck}, uint8,
 *       provenance) and latent output.</li>
 * </ul>
 * A family adds its typed plan ({@link #plan}), its sampling ({@link #run}) and what it describes.
 *
 * @param <P> the family's resolved request
 */
public abstract class DiffusionPipeline<P> implements Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(DiffusionPipeline.class);

    private final PipelineContext context;
    private final TensorBackend backend;
    private final GenerationRequest defaults;
    private final RequestLimits limits;
    private final OutputCheck outputCheck;
    private final MemoryPlan memory;
    private final VaeTiling tiling;
    private final PreviewDecoder previewDecoder;
    private final AutoencoderTiny tinyDecoder;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;
    private boolean released;

    protected DiffusionPipeline(PipelineContext context) {
        this.context = context;
        this.backend = context.backend();
        this.defaults = context.settings().defaults();
        this.limits = context.settings().option(RequestLimits.class).orElse(RequestLimits.DEFAULT);
        this.outputCheck = context.settings().option(OutputCheck.class).orElse(OutputCheck.FAIL);
        this.memory = context.settings().option(MemoryPlan.class).orElse(null);
        this.tiling = context.settings().option(VaeTiling.class).orElse(VaeTiling.AUTO);
        this.previewDecoder = context.settings().option(PreviewDecoder.class).orElse(null);
        this.tinyDecoder = previewDecoder != null && previewDecoder.kind() == PreviewDecoder.Kind.TINY
                ? AutoencoderTiny.load(previewDecoder.folder(), backend) : null;
    }

    /** The memory plan this pipeline runs under, or null (a pipeline opened without one, e.g. the plan's twin). */
    public final MemoryPlan memoryPlan() {
        return memory;
    }

    /** The components (for the memory planner and benchmarks). */
    public final Components components() {
        return context.components();
    }

    // ---- what a family provides ------------------------------------------------------------------

    /** The request fields this family reads (others must be unset). */
    protected abstract Set<RequestField> fields();

    /** A hint for the error when a request sets a field this family does not read (may be empty). */
    protected String unsupported(RequestField field) {
        return "";
    }

    /** The typed request options this family reads. */
    protected Set<Class<? extends RequestOption>> requestOptions() {
        return Set.of();
    }

    /** How this model takes sizes. */
    protected abstract SizeRule sizes();

    /** Resolves and validates the family's own fields (before the lock; throws {@link InvalidRequestException}). */
    protected abstract P plan(BaseRequest base, RequestReader request);

    /** Runs one generation (under the lock, inside a scope, with check points installed). */
    protected abstract GenerationResult run(P plan, GenerationRun run);

    /** Family-specific entries of {@link #describe()}. */
    protected void describe(Map<String, String> out) {}

    /** How this family's sampler latents are previewed, or null when it cannot preview. */
    protected LatentPreview latentPreview() {
        return null;
    }

    // ---- for families ------------------------------------------------------------------------------

    protected final TensorBackend backend() {
        return backend;
    }

    protected final PipelineContext context() {
        return context;
    }

    protected final RequestLimits limits() {
        return limits;
    }

    // ---- Pipeline ------------------------------------------------------------------------------------

    /** The LoRA adapters fused into the model, "source:scale, …", or null for none. */
    private String loras() {
        List<Lora> l = context.settings().options(Lora.class);
        return l.isEmpty() ? null : String.join(", ", l.stream().map(Lora::toString).toList());
    }

    @Override
    public final Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model", context.model());
        m.put("pipeline", context.folder().pipelineClass());
        describe(m);
        String loras = loras();
        if (loras != null) m.put("lora", loras);
        m.put("backend", backend.name());
        m.put("device", backend.device());
        m.put("dtype", backend.floatType().toString());
        if (!backend.precisionReason().isEmpty()) m.put("precision", backend.precisionReason());
        if (memory != null) m.put("memory", memory.mode().name().toLowerCase(java.util.Locale.ROOT));
        m.put("preview", previewName());
        return m;
    }

    @Override
    public final GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
        if (closed) throw closedError();
        if (request == null) throw new InvalidRequestException("the request is null");
        GenerationRun run = new GenerationRun(listener, cancel, () -> closed);
        run.checkpoint(); // an already cancelled token or interrupted thread: no work at all
        RequestReader reader = new RequestReader(request, defaults, limits);
        BaseRequest base = resolve(reader);
        P plan = plan(base, reader);
        Integer every = reader.previewEvery();
        if (every != null && every > 0 && run.listening()) run.previews(every, previewer(base));
        if (memory != null) run.tiledDecode(memory.admit(request).tiled());
        else if (MemoryPlan.forcedTiling() || tiling == VaeTiling.ON) run.tiledDecode(true);
        try {
            lock.lockInterruptibly();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GenerationCancelledException("interrupted while waiting for the pipeline", e);
        }
        try {
            if (closed) throw closedError();
            run.checkpoint();
            return Cancellation.during(run::checkpoint, () -> {
                try (Scope scope = backend.newScope()) {
                    return run(plan, run);
                }
            });
        } catch (SprintException e) {
            if (closed && !(e instanceof PipelineClosedException)) throw new PipelineClosedException("the pipeline was closed during generation", e);
            throw e;
        } catch (RuntimeException e) {
            if (closed) throw new PipelineClosedException("the pipeline was closed during generation", e);
            throw new BackendException("generation failed in the " + backend.name() + " backend: " + e, e);
        } finally {
            if (closed && !released && lock.getHoldCount() == 1) release(); // close() was called from a listener
            lock.unlock();
        }
    }

    /**
     * Stops new calls at once and the running one at its next check point, waits for it, then releases the
     * components (last loaded first) and the backend. Idempotent; safe from any thread, including a listener.
     */
    @Override
    public final void close() {
        closed = true;
        lock.lock();
        try {
            if (lock.getHoldCount() > 1) return; // inside a generation on this thread: released when it unwinds
            if (!released) release();
        } finally {
            lock.unlock();
        }
    }

    private void release() {
        released = true;
        try {
            if (tinyDecoder != null) tinyDecoder.close();
            context.components().close();
            if (memory != null) memory.close();
        } finally {
            try {
                backend.close();
            } catch (RuntimeException e) {
                LOG.warn("closing the {} backend failed", backend.name(), e);
            }
        }
    }

    private static PipelineClosedException closedError() {
        return new PipelineClosedException("the pipeline is closed");
    }

    // ---- shared request resolution -----------------------------------------------------------------

    private BaseRequest resolve(RequestReader in) {
        GenerationRequest r = in.request();
        String family = context.folder().pipelineClass();
        for (RequestField f : RequestField.values()) {
            if (fields().contains(f)) continue;
            if (f.isSet(r) || f.isSet(defaults)) {
                String hint = unsupported(f);
                throw new InvalidRequestException(f.label() + " is not used by " + family
                        + (hint.isEmpty() ? "" : ": " + hint));
            }
        }
        for (RequestOption o : r.options()) {
            if (requestOptions().stream().noneMatch(t -> t.isInstance(o))) {
                throw new InvalidRequestException("the request option " + o.type().getSimpleName() + " does not apply to " + family
                        + (o.requirement() == null ? "" : "; it needs " + o.requirement()));
            }
        }
        if (r.prompts().isEmpty()) throw new InvalidRequestException("no prompt: the batch is empty");
        int ipp = r.imagesPerPrompt();
        if (ipp < 1 || ipp > limits.maxImages()) {
            throw new InvalidRequestException("imagesPerPrompt must be 1.." + limits.maxImages() + ", got " + ipp);
        }
        SizeRule rule = sizes();
        int width = in.width() == null ? rule.defaultWidth() : in.width();
        int height = in.height() == null ? rule.defaultHeight() : in.height();
        int unit = rule.multiple();
        if (width < unit || height < unit) {
            throw new InvalidRequestException("size " + width + "x" + height + " is below the minimum of " + unit + " pixels per side");
        }
        limits.check(r.prompts().size(), ipp, width, height);
        Boolean asked = in.resolutionBinning();
        if (Boolean.TRUE.equals(asked) && !rule.binningTable()) {
            throw new InvalidRequestException("resolution binning needs the 1024 aspect-ratio table, which " + family
                    + " does not have; turn it off and pass a size that is a multiple of " + unit);
        }
        boolean binning = asked == null ? rule.binningTable() : asked;
        int gw = width;
        int gh = height;
        if (binning) {
            int[] hw = ResolutionBinning.bin1024(height, width);
            gh = hw[0];
            gw = hw[1];
        } else if (width % unit != 0 || height % unit != 0) {
            throw new InvalidRequestException("width and height must be multiples of " + unit + " (got " + width + "x" + height + ")"
                    + (rule.binningTable() ? "; with resolution binning on, any size is rendered at the nearest"
                    + " aspect-ratio bucket and resized" : ""));
        }
        int total = r.prompts().size() * ipp;
        List<Long> seeds = in.seeds();
        if (seeds != null && seeds.size() != total) {
            throw new InvalidRequestException(seeds.size() + " seeds for " + total + " images (one per image needed)");
        }
        return new BaseRequest(r.prompts(), ipp, width, height, gw, gh, Seeds.resolve(in.seed()), seeds, r.output());
    }

    // ---- previews ---------------------------------------------------------------------------------------

    /** What {@link #describe()} says under "preview": the decoder previews use, or "none". */
    private String previewName() {
        LatentPreview lp = latentPreview();
        if (previewDecoder == null) {
            return lp != null && lp.projection() != null ? "projection (" + lp.projection().source() + ")" : "none";
        }
        return switch (previewDecoder.kind()) {
            case PROJECTION -> lp != null && lp.projection() != null ? "projection (" + lp.projection().source() + ")" : "none";
            case TINY -> "tiny (" + previewDecoder.folder() + ")";
            case VAE -> "vae";
        };
    }

    /** The renderer of this call's previews; an {@link InvalidRequestException} when this pipeline cannot preview. */
    private java.util.function.Function<Tensor, List<BufferedImage>> previewer(BaseRequest r) {
        LatentPreview lp = latentPreview();
        String family = context.folder().pipelineClass();
        PreviewDecoder.Kind kind = previewDecoder == null ? PreviewDecoder.Kind.PROJECTION : previewDecoder.kind();
        if (lp == null || (kind == PreviewDecoder.Kind.PROJECTION && lp.projection() == null)) {
            throw new InvalidRequestException(family + " has no latent→RGB projection for previews (no published factors for"
                    + " its latents); open it with .with(PreviewDecoder.vae()) (exact, full decode cost) or"
                    + " .with(PreviewDecoder.tiny(dir)) (a diffusers AutoencoderTiny folder for its latents)");
        }
        if (kind == PreviewDecoder.Kind.TINY && tinyDecoder.config().latentChannels() != lp.channels()) {
            throw new InvalidRequestException("the preview decoder " + previewDecoder.folder() + " takes "
                    + tinyDecoder.config().latentChannels() + " latent channels; " + family + " has " + lp.channels());
        }
        return x0 -> {
            int batch = (int) x0.size(0);
            Tensor z = lp.samplerScale() == 1 ? x0 : x0.mul(1 / lp.samplerScale());
            float[] rgb;
            int h;
            int w;
            if (kind == PreviewDecoder.Kind.PROJECTION) {
                h = (int) z.size(2);
                w = (int) z.size(3);
                rgb = lp.projection().project(backend.toFloats(z), batch, h, w);
            } else {
                Tensor image = kind == PreviewDecoder.Kind.VAE ? lp.vae().decode(z, false)
                        : tinyDecoder.decode(z.mul(1 / lp.scalingFactor()).add(lp.shiftFactor()));
                // a binned generation's full-size estimate is resized back to the asked size, as the final image is
                if (r.binned() && image.size(2) == r.genHeight() && image.size(3) == r.genWidth()) {
                    image = ResolutionBinning.resizeAndCrop(image, r.height(), r.width());
                }
                h = (int) image.size(2);
                w = (int) image.size(3);
                rgb = backend.toFloats(image);
            }
            byte[][] pixels = ImageProcessing.toRgb8(rgb, batch, h, w);
            List<BufferedImage> images = new ArrayList<>(batch);
            for (byte[] p : pixels) images.add(ImageProcessing.toBufferedImage(p, w, h));
            return images;
        };
    }

    // ---- shared output ------------------------------------------------------------------------------

    /** The final latents as a {@link GenerationResult} (checked for non-finite values per {@link OutputCheck}). */
    protected final GenerationResult latents(BaseRequest r, Tensor latents, GenerationRun run) {
        float[] data = backend.toFloats(latents);
        checkFinite(data, "latents");
        return new GenerationResult(List.of(), new Latents(data, latents.shape()), r.seed(), run.finish());
    }

    /**
     * The "decode" stage: decodes the latents {@value RequestLimits#DECODE_CHUNK} images at a time, crops
     * back from the binned size, checks for non-finite values per {@link OutputCheck}, converts to uint8 and
     * adds provenance.
     *
     * @param decoder latents (b, C, h, w) → images (b, 3, H, W) in ≈[−1, 1]
     * @param steps   sampler steps, for provenance
     * @param extras  the family's provenance entries of image i
     */
    protected final GenerationResult images(BaseRequest r, Tensor latents, UnaryOperator<Tensor> decoder, GenerationRun run,
                                            int steps, IntFunction<Map<String, String>> extras) {
        return images(r, latents, (z, tiled) -> decoder.apply(z), run, steps, extras);
    }

    /** {@link #images(BaseRequest, Tensor, UnaryOperator, GenerationRun, int, IntFunction)} with a decoder that can tile. */
    protected final GenerationResult images(BaseRequest r, Tensor latents, ImageDecoder decoder, GenerationRun run,
                                            int steps, IntFunction<Map<String, String>> extras) {
        run.stage("decode");
        long t = System.nanoTime();
        int batch = r.batch();
        float[] pixels = new float[Math.multiplyExact(Math.multiplyExact(batch, 3), r.width() * r.height())];
        int per = 3 * r.width() * r.height();
        for (int from = 0; from < batch; from += RequestLimits.DECODE_CHUNK) {
            int to = Math.min(batch, from + RequestLimits.DECODE_CHUNK);
            run.checkpoint();
            try (Scope chunk = backend.newScope()) {
                Tensor z = batch <= RequestLimits.DECODE_CHUNK ? latents : latents.slice(0, from, to);
                Tensor image = decoder.decode(z, run.tiledDecode());
                if (r.binned()) image = ResolutionBinning.resizeAndCrop(image, r.height(), r.width());
                float[] part = backend.toFloats(image);
                System.arraycopy(part, 0, pixels, from * per, part.length);
            }
        }
        run.record("decode", t);
        checkFinite(pixels, "decoded image");
        byte[][] rgb = ImageProcessing.toRgb8(pixels, batch, r.height(), r.width());
        List<GeneratedImage> images = new ArrayList<>(batch);
        for (int i = 0; i < batch; i++) {
            Map<String, String> x = new LinkedHashMap<>(extras.apply(i));
            String loras = loras();
            if (loras != null) x.put("lora", loras);
            x.put("image_index", Integer.toString(i));
            if (r.seeds() != null) x.put("image_seed", Long.toString(r.seeds().get(i)));
            Provenance p = new Provenance(context.model(), context.folder().pipelineClass(),
                    backend.name() + " (" + backend.device() + ")", r.prompt(i), r.seed(), steps, r.width(), r.height(), x);
            images.add(new GeneratedImage(r.width(), r.height(), rgb[i], p));
        }
        return new GenerationResult(images, null, r.seed(), run.finish());
    }

    private void checkFinite(float[] values, String what) {
        if (outputCheck == OutputCheck.OFF) return;
        int bad = 0;
        for (float v : values) if (!Float.isFinite(v)) bad++;
        if (bad == 0) return;
        String msg = "the " + what + " holds " + bad + " NaN/infinite values of " + values.length
                + ": the checkpoint's weights or config are broken, or float16 overflowed (" + context.model() + ")";
        if (outputCheck == OutputCheck.FAIL) throw new BackendException(msg + "; Pipeline.builder().with(OutputCheck.WARN) returns such images");
        LOG.warn(msg);
    }
}
