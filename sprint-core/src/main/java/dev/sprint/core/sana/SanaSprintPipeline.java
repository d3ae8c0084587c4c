package dev.sprint.core.sana;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Latents;
import dev.sprint.api.OutputType;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.Provenance;
import dev.sprint.api.StepEvent;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.image.ResolutionBinning;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.rng.BatchNoise;
import dev.sprint.core.sched.ScmScheduler;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SANA-Sprint text-to-image and img2img ({@code SanaSprintPipeline} / {@code SanaSprintImg2ImgPipeline}
 * of diffusers): Gemma-2 prompt encoding, the TrigFlow sCM sampler over the Sana transformer, DC-AE
 * decoding. One generation at a time per pipeline (a lock serialises callers).
 */
public final class SanaSprintPipeline implements Pipeline {
    private static final Logger LOG = LoggerFactory.getLogger(SanaSprintPipeline.class);

    private final String modelName;
    private final ModelFolder folder;
    private final TensorBackend backend;
    private final SanaTextEncoder text;
    private final SanaTransformer2DModel transformer;
    private final AutoencoderDC vae;
    private final ScmScheduler scheduler;
    private final GenerationRequest defaults;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    SanaSprintPipeline(String modelName, ModelFolder folder, TensorBackend backend, SanaTextEncoder text,
                       SanaTransformer2DModel transformer, AutoencoderDC vae, ScmScheduler scheduler,
                       GenerationRequest defaults) {
        this.modelName = modelName;
        this.folder = folder;
        this.backend = backend;
        this.text = text;
        this.transformer = transformer;
        this.vae = vae;
        this.scheduler = scheduler;
        this.defaults = defaults;
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model", modelName);
        m.put("pipeline", folder.pipelineClass());
        m.put("backend", backend.name());
        m.put("device", backend.device());
        m.put("dtype", backend.floatType().toString());
        return m;
    }

    @Override
    public GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
        if (closed) throw new IllegalStateException("pipeline is closed");
        SanaRequest r = SanaRequest.resolve(request, defaults, transformer.config().sampleSize(), vae.config().spatialCompression());
        lock.lock();
        try {
            return run(r, listener == null ? GenerationListener.NONE : listener, cancel == null ? new CancellationToken() : cancel);
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------------------------------
    private GenerationResult run(SanaRequest r, GenerationListener listener, CancellationToken cancel) {
        Map<String, Double> timings = new LinkedHashMap<>();
        long start = System.nanoTime();
        int batch = r.batch();
        int scale = vae.config().spatialCompression();
        long[] latentShape = {batch, transformer.config().inChannels(), r.genHeight() / scale, r.genWidth() / scale};
        BatchNoise noise = BatchNoise.of(r.seed(), r.seeds());
        double sd = scheduler.sigmaData();
        try (Scope call = backend.newScope()) {
            // 1. text
            listener.onStage("text_encoder");
            long t = System.nanoTime();
            SanaTextEncoder.Embeddings text = this.text.encode(r.prompts(), r.maxSequenceLength(), r.instruction(), r.normalize());
            Tensor embeds = text.embeds();
            long[][] mask = text.mask();
            if (r.imagesPerPrompt() > 1) { // repeat each prompt's rows consecutively, as diffusers' repeat + view
                long[] idx = new long[batch];
                long[][] m = new long[batch][];
                for (int i = 0; i < batch; i++) {
                    idx[i] = i / r.imagesPerPrompt();
                    m[i] = mask[i / r.imagesPerPrompt()];
                }
                embeds = backend.indexSelect(embeds, 0, backend.fromLongs(idx, batch));
                mask = m;
            }
            timings.put("text_encoder", ms(t));

            // 2. schedule and initial latents
            float[] ts = r.timesteps();
            Tensor latents;
            if (r.image() != null) {
                int n = ts.length - 1;
                double init = Math.min(n * r.strength(), n);
                int tStart = (int) Math.max(n - init, 0);
                if (n - tStart < 1) {
                    throw new InvalidRequestException("strength " + r.strength() + " leaves no step of the " + n + "-step schedule");
                }
                ts = java.util.Arrays.copyOfRange(ts, tStart, ts.length);
                listener.onStage("vae_encoder");
                t = System.nanoTime();
                Tensor image = imageTensor(r.image(), r.genHeight(), r.genWidth());
                Tensor encoded = vae.encode(image).mul(vae.config().scalingFactor() * sd);
                if (batch > 1) encoded = backend.indexSelect(encoded, 0, backend.fromLongs(new long[batch], batch));
                float t0 = ts[0];
                Tensor z = backend.fromFloats(noise.randn(latentShape), latentShape).mul(sd);
                latents = encoded.mul(Math.cos(t0)).add(z.mul(Math.sin(t0)));
                timings.put("vae_encoder", ms(t));
            } else {
                latents = backend.fromFloats(noise.randn(latentShape), latentShape).mul(sd);
            }
            float g = (float) r.guidance() * (float) transformer.config().guidanceEmbedsScale();
            float[] guidance = transformer.config().guidanceEmbeds() ? fill(batch, g) : null;

            // 3. TrigFlow sCM steps
            int steps = ts.length - 1;
            long[] stepStart = {0};
            final Tensor textEmbeds = embeds;
            final long[][] textMask = mask;
            Tensor finalLatents = scheduler.sample(backend, latents, ts, (x, tf, i) -> {
                cancel.throwIfCancelled();
                stepStart[0] = System.nanoTime();
                return transformer.forward(x, tf, guidance, textEmbeds, textMask, null);
            }, noise::randn, (i, s, x0, up, next) -> {
                double elapsed = ms(stepStart[0]);
                timings.put("step_" + i, elapsed);
                listener.onStep(new StepEvent(i, steps, s, elapsed));
            });
            cancel.throwIfCancelled();
            if (r.output() == OutputType.LATENT) {
                float[] data = backend.toFloats(finalLatents);
                timings.put("total", ms(start));
                return new GenerationResult(List.of(), new Latents(data, finalLatents.shape()), r.seed(), timings);
            }

            // 4. decode
            listener.onStage("decode");
            t = System.nanoTime();
            Tensor image = vae.decode(finalLatents.mul(1 / vae.config().scalingFactor()));
            if (r.genWidth() != r.width() || r.genHeight() != r.height()) {
                image = ResolutionBinning.resizeAndCrop(image, r.height(), r.width());
            }
            float[] pixels = backend.toFloats(image);
            timings.put("decode", ms(t));
            byte[][] rgb = ImageProcessing.toRgb8(pixels, batch, r.height(), r.width());
            timings.put("total", ms(start));
            List<GeneratedImage> images = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) {
                images.add(new GeneratedImage(r.width(), r.height(), rgb[i], provenance(r, i, steps)));
            }
            return new GenerationResult(images, null, r.seed(), timings);
        }
    }

    private Provenance provenance(SanaRequest r, int i, int steps) {
        Map<String, String> extras = new LinkedHashMap<>();
        extras.put("guidance", Double.toString(r.guidance()));
        extras.put("timesteps", java.util.Arrays.toString(r.timesteps()));
        extras.put("image_index", Integer.toString(i));
        if (r.seeds() != null) extras.put("image_seed", Long.toString(r.seeds().get(i)));
        if (r.image() != null) extras.put("strength", Double.toString(r.strength()));
        extras.put("instruction", r.instruction().isEmpty() ? "none" : "default");
        return new Provenance(modelName, folder.pipelineClass(), backend.name() + " (" + backend.device() + ")",
                r.prompts().get(i / r.imagesPerPrompt()), r.seed(), steps, r.width(), r.height(), extras);
    }

    /** An input image as (1, 3, H, W) in [−1, 1], resized to the generation size when it differs. */
    private Tensor imageTensor(java.awt.image.BufferedImage img, int height, int width) {
        int w = img.getWidth();
        int h = img.getHeight();
        Tensor x = backend.fromFloats(ImageProcessing.toCenteredChw(ImageProcessing.rgb8(img), h, w), 1, 3, h, w);
        if (w != width || h != height) {
            x = backend.interpolate(x, height, width, dev.sprint.core.tensor.ResizeMode.BICUBIC, false);
        }
        return x;
    }

    private static float[] fill(int n, float v) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, v);
        return a;
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
            backend.close();
        } finally {
            lock.unlock();
        }
    }
}
