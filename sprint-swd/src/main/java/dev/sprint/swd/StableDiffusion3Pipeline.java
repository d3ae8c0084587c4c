package dev.sprint.swd;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Latents;
import dev.sprint.api.OutputType;
import dev.sprint.api.Pipeline;
import dev.sprint.api.Provenance;
import dev.sprint.api.StepEvent;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.rng.BatchNoise;
import dev.sprint.core.rng.TorchGenerator;
import dev.sprint.core.sched.Denoiser;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.sched.StepObserver;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.mmdit.SD3Transformer2DModel;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.sampler.ScaleWiseSampler;
import dev.sprint.swd.sampler.Sd3Denoiser;
import dev.sprint.swd.text.Sd3TextEncoder;
import dev.sprint.swd.vae.AutoencoderKL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * diffusers' {@code StableDiffusion3Pipeline} for SD3.5 with two samplers: the scale-wise SwD loop when
 * the pipeline was built with SwD settings (each step at a larger latent size, the adapter merged into
 * the transformer), else plain flow-matching Euler with the scheduler's shift at the output size.
 * Prompt encoding with CLIP-L, OpenCLIP-bigG and T5; AutoencoderKL decoding. One generation at a time
 * per pipeline.
 */
final class StableDiffusion3Pipeline implements Pipeline {
    private final String modelName;
    private final ModelFolder folder;
    private final TensorBackend backend;
    private final Sd3TextEncoder text;
    private final SD3Transformer2DModel transformer;
    private final AutoencoderKL vae;
    private final ScaleSchedule swd;
    private final String swdWeights;
    private final double shift;
    private final int trainSteps;
    private final GenerationRequest defaults;
    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    StableDiffusion3Pipeline(String modelName, ModelFolder folder, TensorBackend backend, Sd3TextEncoder text,
                             SD3Transformer2DModel transformer, AutoencoderKL vae, ScaleSchedule swd, String swdWeights,
                             double shift, int trainSteps, GenerationRequest defaults) {
        this.modelName = modelName;
        this.folder = folder;
        this.backend = backend;
        this.text = text;
        this.transformer = transformer;
        this.vae = vae;
        this.swd = swd;
        this.swdWeights = swdWeights;
        this.shift = shift;
        this.trainSteps = trainSteps;
        this.defaults = defaults;
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model", modelName);
        m.put("pipeline", folder.pipelineClass());
        m.put("sampler", swd != null ? "swd " + swd.name() + " " + scalesText(swd) : "flow-matching euler, shift " + shift);
        if (swdWeights != null) m.put("swd_weights", swdWeights);
        m.put("t5", text.hasT5() ? "yes" : "absent (zeros)");
        m.put("backend", backend.name());
        m.put("device", backend.device());
        m.put("dtype", backend.floatType().toString());
        return m;
    }

    @Override
    public GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
        if (closed) throw new IllegalStateException("pipeline is closed");
        Sd3Request r = Sd3Request.resolve(request, defaults, swd, vae.spatialCompression(), transformer.config().patchSize(),
                transformer.config().sampleSize());
        lock.lock();
        try {
            return run(r, listener == null ? GenerationListener.NONE : listener, cancel == null ? new CancellationToken() : cancel);
        } finally {
            lock.unlock();
        }
    }

    private GenerationResult run(Sd3Request r, GenerationListener listener, CancellationToken cancel) {
        Map<String, Double> timings = new LinkedHashMap<>();
        long start = System.nanoTime();
        int batch = r.batch();
        // the AVX2 kernel of torch's CPU randn: what x86-64 PyTorch runs, and what the SwD references were made with
        BatchNoise noise = BatchNoise.of(r.seed(), r.seeds(), TorchGenerator.CpuCapability.AVX2);
        try (Scope call = backend.newScope()) {
            listener.onStage("text_encoder");
            long t = System.nanoTime();
            Sd3TextEncoder.Embeddings pos = text.encode(r.prompts(), r.maxSequenceLength());
            Sd3TextEncoder.Embeddings neg = r.guided() ? text.encode(r.negatives(), r.maxSequenceLength()) : null;
            timings.put("text_encoder", ms(t));
            Sd3Denoiser denoiser = new Sd3Denoiser(transformer, pos.promptEmbeds(), pos.pooled(),
                    neg == null ? null : neg.promptEmbeds(), neg == null ? null : neg.pooled(), r.guidance(), null);

            int steps = r.steps();
            long[] stepStart = {0};
            Denoiser timed = (x, ts, i) -> {
                cancel.throwIfCancelled();
                stepStart[0] = System.nanoTime();
                return denoiser.velocity(x, ts, i);
            };
            StepObserver observer = (i, ts, x0, up, latents) -> {
                double elapsed = ms(stepStart[0]);
                timings.put("step_" + i, elapsed);
                listener.onStep(new StepEvent(i, steps, ts, elapsed));
            };
            int channels = transformer.config().inChannels();
            Tensor latents;
            if (r.table() != null) {
                latents = ScaleWiseSampler.sample(backend, r.table(), batch, channels, timed, noise::randn, observer);
            } else {
                long[] shape = {batch, channels, r.height() / vae.spatialCompression(), r.width() / vae.spatialCompression()};
                Tensor init = backend.fromFloats(noise.randn(shape), shape);
                FlowMatchEulerScheduler euler = new FlowMatchEulerScheduler(
                        new FlowMatchEulerScheduler.FlowMatchEulerConfig(trainSteps, shift, null, false));
                latents = FlowMatchEulerScheduler.sample(backend, init, euler.schedule(steps), timed, observer);
            }
            cancel.throwIfCancelled();
            if (r.output() == OutputType.LATENT) {
                float[] data = backend.toFloats(latents);
                timings.put("total", ms(start));
                return new GenerationResult(List.of(), new Latents(data, latents.shape()), r.seed(), timings);
            }
            listener.onStage("decode");
            t = System.nanoTime();
            Tensor image = vae.decode(vae.toVaeSpace(latents));
            float[] pixels = backend.toFloats(image);
            timings.put("decode", ms(t));
            byte[][] rgb = ImageProcessing.toRgb8(pixels, batch, r.height(), r.width());
            timings.put("total", ms(start));
            List<GeneratedImage> images = new ArrayList<>(batch);
            for (int i = 0; i < batch; i++) images.add(new GeneratedImage(r.width(), r.height(), rgb[i], provenance(r, i)));
            return new GenerationResult(images, null, r.seed(), timings);
        }
    }

    private Provenance provenance(Sd3Request r, int i) {
        Map<String, String> extras = new LinkedHashMap<>();
        if (r.table() != null) {
            extras.put("sampler", "swd");
            extras.put("swd_table", r.table().name());
            extras.put("scales", scalesText(r.table()));
            extras.put("sigmas", Arrays.toString(r.table().sigmas()));
            if (swdWeights != null) extras.put("swd_weights", swdWeights);
        } else {
            extras.put("sampler", "flow-matching euler");
            extras.put("shift", Double.toString(shift));
        }
        extras.put("guidance", Double.toString(r.guidance()));
        if (r.guided()) extras.put("negative_prompt", r.negatives().get(i));
        extras.put("max_sequence_length", Integer.toString(r.maxSequenceLength()));
        extras.put("image_index", Integer.toString(i));
        if (r.seeds() != null) extras.put("image_seed", Long.toString(r.seeds().get(i)));
        return new Provenance(modelName, folder.pipelineClass(), backend.name() + " (" + backend.device() + ")",
                r.prompts().get(i), r.seed(), r.steps(), r.width(), r.height(), extras);
    }

    private static String scalesText(ScaleSchedule s) {
        StringBuilder sb = new StringBuilder();
        for (int[] hw : s.scales()) {
            if (sb.length() > 0) sb.append(',');
            sb.append(hw[0] == hw[1] ? Integer.toString(hw[0]) : hw[0] + "x" + hw[1]);
        }
        return sb.toString();
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
            text.close();
            transformer.close();
            vae.close();
            backend.close();
        } finally {
            lock.unlock();
        }
    }
}
