package dev.sprint.controlnet;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Latents;
import dev.sprint.api.OutputType;
import dev.sprint.api.Pipeline;
import dev.sprint.api.Provenance;
import dev.sprint.api.StepEvent;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.image.ResolutionBinning;
import dev.sprint.core.rng.BatchNoise;
import dev.sprint.core.rng.TorchGenerator;
import dev.sprint.core.sana.SanaPromptTokens;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.sched.Guidance;
import dev.sprint.core.spi.DenoiserHook;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Base Sana text-to-image with an optional ControlNet — diffusers' {@code SanaPipeline} /
 * {@code SanaControlNetPipeline}: flow-matching Euler sampling with classifier-free guidance.
 *
 * <ol>
 *   <li>Prompts: the positive prompts use the complex human instruction (default on) and Sana's token
 *       selection; the negative prompt (default "") is encoded <b>without</b> it (plain
 *       {@code max_sequence_length} tokens). With CFG ({@code guidanceScale > 1}) the batch is
 *       {@code [negative…, positive…]}.</li>
 *   <li>Control image ({@link ControlImages}): to RGB, Lanczos-resized to the generation size,
 *       {@code [−1,1]}, DC-AE encoded, × scaling factor, broadcast to the batch.</li>
 *   <li>Latents {@code randn(B, C, H/32, W/32)} from a PyTorch-compatible CPU generator (one per call,
 *       or one per image with {@code seeds}); there is no per-step noise.</li>
 *   <li>Per step: ControlNet block samples × scale, transformer velocity with the samples added,
 *       {@code v = v_u + g·(v_c − v_u)}, Euler {@code x ← x + (σ_{i+1} − σ_i)·v}.</li>
 *   <li>{@code decode(x / scaling_factor)}, optional resize-and-crop back from the binned size,
 *       {@code clamp(x/2 + 0.5)}, ·255, round half to even.</li>
 * </ol>
 * Defaults (diffusers'): 20 steps, guidance 4.5, control scale 1.0, resolution binning on.
 * Calls are serialised per pipeline.
 */
public final class SanaControlNetPipeline implements Pipeline {
    public static final int DEFAULT_STEPS = 20;
    public static final double DEFAULT_GUIDANCE = 4.5;
    public static final double DEFAULT_CONTROL_SCALE = 1.0;

    private final String modelName;
    private final String pipelineClass;
    private final TensorBackend backend;
    private final SanaComponents.TextEncoder text;
    private final SanaComponents.Denoiser transformer;
    private final SanaComponents.Autoencoder vae;
    private final SanaControlNetModel controlNet;
    private final FlowMatchEulerScheduler scheduler;
    private final GenerationRequest defaults;
    private final List<AutoCloseable> owned;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    /**
     * @param controlNet null for plain Sana (a request with a control image is then rejected)
     * @param owned      closed with the pipeline (models, weight sources, the backend last)
     */
    public SanaControlNetPipeline(String modelName, String pipelineClass, TensorBackend backend,
                                  SanaComponents.TextEncoder text, SanaComponents.Denoiser transformer,
                                  SanaComponents.Autoencoder vae, SanaControlNetModel controlNet,
                                  FlowMatchEulerScheduler scheduler, GenerationRequest defaults, List<AutoCloseable> owned) {
        this.modelName = modelName;
        this.pipelineClass = pipelineClass;
        this.backend = backend;
        this.text = text;
        this.transformer = transformer;
        this.vae = vae;
        this.controlNet = controlNet;
        this.scheduler = scheduler;
        this.defaults = defaults == null ? GenerationRequest.builder().build() : defaults;
        this.owned = List.copyOf(owned);
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model", modelName);
        m.put("pipeline", pipelineClass);
        m.put("controlnet", controlNet == null ? "none" : controlNet.config().numLayers() + " blocks");
        m.put("backend", backend.name());
        m.put("device", backend.device());
        return m;
    }

    /** A request with every default resolved and validated. */
    record Resolved(List<String> prompts, String negative, int imagesPerPrompt, int width, int height, int genWidth,
                    int genHeight, FlowMatchEulerScheduler.Schedule schedule, double guidance, long seed, List<Long> seeds,
                    int maxSequenceLength, List<String> instruction, boolean normalize,
                    java.awt.image.BufferedImage controlImage, double controlScale, OutputType output) {
        int batch() {
            return prompts.size() * imagesPerPrompt;
        }

        boolean cfg() {
            return guidance > 1.0;
        }
    }

    Resolved resolve(GenerationRequest r) {
        GenerationRequest d = defaults;
        if (r.prompts().isEmpty()) throw new InvalidRequestException("no prompt: the batch is empty");
        if (r.imagesPerPrompt() < 1 || r.imagesPerPrompt() > 64) {
            throw new InvalidRequestException("imagesPerPrompt must be 1..64, got " + r.imagesPerPrompt());
        }
        if (r.image() != null || r.strength() != null) {
            throw new InvalidRequestException("img2img is not supported by the Sana ControlNet pipeline");
        }
        if (r.maxTimestep() != null || r.intermediateTimestep() != null) {
            throw new InvalidRequestException("maxTimestep / intermediateTimestep are SANA-Sprint (TrigFlow) settings;"
                    + " this pipeline samples with flow-matching Euler");
        }
        int scale = vae.spatialCompression();
        int defaultSize = transformer.sampleSize() * scale;
        int width = first(r.width(), d.width(), defaultSize);
        int height = first(r.height(), d.height(), defaultSize);
        if (width < scale || height < scale || width > 4096 || height > 4096) {
            throw new InvalidRequestException("size " + width + "x" + height + " is outside " + scale + "..4096");
        }
        boolean binning = first(r.resolutionBinning(), d.resolutionBinning(), Boolean.TRUE);
        int gw = width;
        int gh = height;
        if (binning && transformer.sampleSize() == 32) {
            int[] hw = ResolutionBinning.bin1024(height, width);
            gh = hw[0];
            gw = hw[1];
        } else if (binning) {
            throw new InvalidRequestException("resolution binning is implemented for sample_size 32 (1024px) models only;"
                    + " turn it off and pass a size that is a multiple of " + scale);
        } else if (width % scale != 0 || height % scale != 0) {
            throw new InvalidRequestException("width and height must be multiples of " + scale + " (got " + width + "x" + height + ")");
        }
        List<Double> custom = first(r.timesteps(), d.timesteps());
        Integer stepsReq = first(r.steps(), d.steps());
        FlowMatchEulerScheduler.Schedule schedule;
        if (custom != null) {
            if (stepsReq != null && stepsReq != custom.size()) {
                throw new InvalidRequestException(custom.size() + " custom timesteps for " + stepsReq + " steps");
            }
            schedule = scheduler.schedule(custom);
        } else {
            int steps = stepsReq == null ? DEFAULT_STEPS : stepsReq;
            if (steps < 1 || steps > 1000) throw new InvalidRequestException("steps must be 1..1000, got " + steps);
            schedule = scheduler.schedule(steps);
        }
        double guidance = first(r.guidanceScale(), d.guidanceScale(), DEFAULT_GUIDANCE);
        if (!Double.isFinite(guidance) || guidance < 0 || guidance > 100) {
            throw new InvalidRequestException("guidance scale " + guidance + " is outside [0, 100]");
        }
        java.awt.image.BufferedImage control = r.controlImage();
        Double cs = first(r.controlScale(), d.controlScale());
        double controlScale = cs == null ? DEFAULT_CONTROL_SCALE : cs;
        if (controlNet == null && (control != null || r.controlScale() != null)) {
            throw new InvalidRequestException("this pipeline has no ControlNet; set Pipeline.builder().controlNet(...)");
        }
        if (controlNet != null && control == null) {
            throw new InvalidRequestException("a ControlNet pipeline needs a control image (GenerationRequest.controlImage)");
        }
        if (!Double.isFinite(controlScale) || Math.abs(controlScale) > 100) {
            throw new InvalidRequestException("control scale " + controlScale + " is outside [-100, 100]");
        }
        Long seedReq = first(r.seed(), d.seed());
        long seed = seedReq != null ? seedReq : TorchGenerator.seedFromEntropy();
        List<Long> seeds = first(r.seeds(), d.seeds());
        int total = r.prompts().size() * r.imagesPerPrompt();
        if (seeds != null && seeds.size() != total) {
            throw new InvalidRequestException(seeds.size() + " seeds for " + total + " images (one per image needed)");
        }
        int maxLen = first(r.maxSequenceLength(), d.maxSequenceLength(), SanaPromptTokens.DEFAULT_MAX_SEQUENCE_LENGTH);
        if (maxLen < 2 || maxLen > 4096) throw new InvalidRequestException("maxSequenceLength must be 2..4096, got " + maxLen);
        List<String> instruction = first(r.instruction(), d.instruction(), SanaPromptTokens.CHI_DIFFUSERS);
        boolean normalize = first(r.normalizePrompt(), d.normalizePrompt(), Boolean.TRUE);
        String negative = first(r.negativePrompt(), d.negativePrompt(), "");
        return new Resolved(r.prompts(), negative, r.imagesPerPrompt(), width, height, gw, gh, schedule, guidance, seed,
                seeds, maxLen, instruction, normalize, control, controlScale, r.output());
    }

    @Override
    public GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
        if (closed) throw new IllegalStateException("pipeline is closed");
        Resolved r = resolve(request);
        lock.lock();
        try {
            if (closed) throw new IllegalStateException("pipeline is closed");
            return run(r, listener == null ? GenerationListener.NONE : listener, cancel == null ? new CancellationToken() : cancel);
        } finally {
            lock.unlock();
        }
    }

    private GenerationResult run(Resolved r, GenerationListener listener, CancellationToken cancel) {
        Map<String, Double> timings = new LinkedHashMap<>();
        long start = System.nanoTime();
        int batch = r.batch();
        int rows = r.cfg() ? 2 * batch : batch;
        int scale = vae.spatialCompression();
        long[] latentShape = {batch, transformer.inChannels(), r.genHeight() / scale, r.genWidth() / scale};
        try (Scope call = backend.newScope()) {
            // 1. text: [negative…, positive…] with CFG; each prompt repeated imagesPerPrompt times consecutively
            listener.onStage("text_encoder");
            long t = System.nanoTime();
            SanaComponents.Embeddings pos = repeat(text.encode(r.prompts(), r.maxSequenceLength(), r.instruction(), r.normalize()),
                    r.imagesPerPrompt());
            Tensor embeds = pos.embeds();
            long[][] mask = pos.mask();
            if (r.cfg()) {
                List<String> negs = new ArrayList<>();
                for (int i = 0; i < r.prompts().size(); i++) negs.add(r.negative());
                SanaComponents.Embeddings neg = repeat(text.encode(negs, r.maxSequenceLength(), List.of(), r.normalize()),
                        r.imagesPerPrompt());
                embeds = backend.concat(List.of(neg.embeds(), embeds), 0);
                mask = concat(neg.mask(), mask);
            }
            timings.put("text_encoder", ms(t));

            // 2. control latent, encoded once and broadcast to every row
            DenoiserHook hook = null;
            if (controlNet != null) {
                listener.onStage("control_image");
                t = System.nanoTime();
                Tensor control = controlLatent(r.controlImage(), r.genWidth(), r.genHeight(), rows);
                hook = new ControlNetHook(controlNet, control, r.controlScale());
                timings.put("control_image", ms(t));
            }

            // 3. initial noise
            Tensor latents = backend.fromFloats(BatchNoise.of(r.seed(), r.seeds()).randn(latentShape), latentShape);

            // 4. Euler steps with CFG
            FlowMatchEulerScheduler.Schedule sch = r.schedule();
            for (int i = 0; i < sch.steps(); i++) {
                cancel.throwIfCancelled();
                t = System.nanoTime();
                try (Scope step = backend.newScope()) {
                    Tensor input = r.cfg() ? backend.concat(List.of(latents, latents), 0) : latents;
                    float[] ts = new float[rows];
                    Arrays.fill(ts, sch.timesteps()[i]);
                    List<Tensor> residuals = hook == null ? List.of()
                            : hook.residuals(new DenoiserHook.Step(i, sch.steps(), input, ts, null, embeds, mask));
                    Tensor v = transformer.forward(input, ts, embeds, mask, residuals);
                    v = guide(v, r.cfg(), r.guidance());
                    latents = step.keep(FlowMatchEulerScheduler.step(sch, i, v, latents));
                }
                double elapsed = ms(t);
                timings.put("step_" + i, elapsed);
                listener.onStep(new StepEvent(i, sch.steps(), sch.timesteps()[i], elapsed));
            }
            cancel.throwIfCancelled();
            if (r.output() == OutputType.LATENT) {
                Tensor out = latents.mul(1.0 / vae.scalingFactor());
                timings.put("total", ms(start));
                return new GenerationResult(List.of(), new Latents(backend.toFloats(out), out.shape()), r.seed(), timings);
            }

            // 5. decode
            listener.onStage("decode");
            t = System.nanoTime();
            Tensor image = vae.decode(latents.mul(1.0 / vae.scalingFactor()));
            if (r.genWidth() != r.width() || r.genHeight() != r.height()) {
                image = ResolutionBinning.resizeAndCrop(image, r.height(), r.width());
            }
            byte[][] rgb = ImageProcessing.toRgb8(backend.toFloats(image), batch, r.height(), r.width());
            timings.put("decode", ms(t));
            timings.put("total", ms(start));
            List<GeneratedImage> images = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) images.add(new GeneratedImage(r.width(), r.height(), rgb[i], provenance(r, i)));
            return new GenerationResult(images, null, r.seed(), timings);
        }
    }

    /** CFG on a [uncond; cond] batch: {@code u + g·(c − u)}; identity without CFG. */
    static Tensor guide(Tensor v, boolean cfg, double g) {
        return cfg ? Guidance.combine(v, g) : v;
    }

    /** The control image as a latent (rows, C, h, w): preprocess, encode, × scaling factor. */
    Tensor controlLatent(java.awt.image.BufferedImage img, int width, int height, int rows) {
        float[] chw = ControlImages.preprocess(img, width, height);
        Tensor x = backend.fromFloats(chw, 1, 3, height, width);
        Tensor z = vae.encode(x).mul(vae.scalingFactor());
        if (rows == 1) return z;
        return backend.indexSelect(z, 0, backend.fromLongs(new long[rows], rows));
    }

    private SanaComponents.Embeddings repeat(SanaComponents.Embeddings e, int n) {
        if (n == 1) return e;
        int b = e.mask().length;
        long[] idx = new long[b * n];
        long[][] m = new long[b * n][];
        for (int i = 0; i < b * n; i++) {
            idx[i] = i / n;
            m[i] = e.mask()[i / n];
        }
        return new SanaComponents.Embeddings(backend.indexSelect(e.embeds(), 0, backend.fromLongs(idx, idx.length)), m);
    }

    private static long[][] concat(long[][] a, long[][] b) {
        if (a[0].length != b[0].length) {
            throw new InvalidRequestException("negative and positive prompt lengths differ (" + a[0].length + " vs "
                    + b[0].length + ")");
        }
        long[][] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private Provenance provenance(Resolved r, int i) {
        Map<String, String> extras = new LinkedHashMap<>();
        extras.put("guidance", Double.toString(r.guidance()));
        extras.put("negative_prompt", r.negative());
        extras.put("timesteps", Arrays.toString(r.schedule().timesteps()));
        extras.put("image_index", Integer.toString(i));
        if (r.seeds() != null) extras.put("image_seed", Long.toString(r.seeds().get(i)));
        if (controlNet != null) extras.put("control_scale", Double.toString(r.controlScale()));
        return new Provenance(modelName, pipelineClass, backend.name() + " (" + backend.device() + ")",
                r.prompts().get(i / r.imagesPerPrompt()), r.seed(), r.schedule().steps(), r.width(), r.height(), extras);
    }

    @SafeVarargs
    private static <T> T first(T... values) {
        for (T v : values) if (v != null) return v;
        return null;
    }

    private static double ms(long since) {
        return (System.nanoTime() - since) / 1e6;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) return;
            closed = true;
            for (AutoCloseable c : owned) {
                try {
                    c.close();
                } catch (Exception e) {
                    org.slf4j.LoggerFactory.getLogger(SanaControlNetPipeline.class).warn("closing {} failed", c, e);
                }
            }
            backend.close();
        } finally {
            lock.unlock();
        }
    }
}
