package dev.sprint.swd;

import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.OutputType;
import dev.sprint.core.pipeline.BaseRequest;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.DiffusionPipeline;
import dev.sprint.core.pipeline.GenerationRun;
import dev.sprint.core.pipeline.LatentPreview;
import dev.sprint.core.pipeline.PipelineContext;
import dev.sprint.core.pipeline.RequestField;
import dev.sprint.core.pipeline.RequestReader;
import dev.sprint.core.pipeline.SizeRule;
import dev.sprint.core.rng.BatchNoise;
import dev.sprint.core.rng.TorchGenerator;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.sched.Guidance;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.mmdit.SD3Transformer2DModel;
import dev.sprint.swd.mmdit.SD3TransformerConfig;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.sampler.ScaleWiseSampler;
import dev.sprint.swd.sampler.Sd3Denoiser;
import dev.sprint.swd.text.Sd3TextEncoder;
import dev.sprint.swd.vae.AutoencoderKL;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * diffusers' {@code StableDiffusion3Pipeline} for SD3.5 with two samplers: the scale-wise SwD loop when the
 * pipeline was built with SwD settings (each step at a larger latent size, the adapter merged into the
 * transformer), else plain flow-matching Euler ({@link FlowMatchEulerScheduler}) with the scheduler's shift
 * at the output size. Prompt encoding with CLIP-L, OpenCLIP-bigG and T5; AutoencoderKL decoding. Request
 * handling, locking, closing and image output are the shared {@link DiffusionPipeline}'s.
 */
final class StableDiffusion3Pipeline extends DiffusionPipeline<Sd3Request> {
    private final Component<Sd3TextEncoder> text;
    private final Component<SD3Transformer2DModel> transformer;
    private final Component<AutoencoderKL> vae;
    private final ScaleSchedule swd;
    private final String swdWeights;
    private final FlowMatchEulerScheduler scheduler;
    private final SD3TransformerConfig transformerConfig;
    private final int vaeScale;
    private final AutoencoderKL.KLConfig vaeConfig;
    private final boolean hasT5;

    StableDiffusion3Pipeline(PipelineContext ctx, SD3TransformerConfig transformerConfig, AutoencoderKL.KLConfig vaeConfig,
                             Component<Sd3TextEncoder> text, Component<SD3Transformer2DModel> transformer,
                             Component<AutoencoderKL> vae, ScaleSchedule swd, String swdWeights,
                             FlowMatchEulerScheduler scheduler) {
        super(ctx);
        this.text = text;
        this.transformer = transformer;
        this.vae = vae;
        this.swd = swd;
        this.swdWeights = swdWeights;
        this.scheduler = scheduler;
        this.transformerConfig = transformerConfig;
        this.vaeScale = vaeConfig.spatialCompression();
        this.vaeConfig = vaeConfig;
        this.hasT5 = ctx.folder().declares("text_encoder_3");
    }

    @Override
    protected void describe(Map<String, String> m) {
        m.put("sampler", swd != null ? "swd " + swd.name() + " " + scalesText(swd)
                : "flow-matching euler, shift " + scheduler.config().shift());
        if (swdWeights != null) m.put("swd_weights", swdWeights);
        m.put("t5", hasT5 ? "yes" : "absent (zeros)");
    }

    @Override
    protected Set<RequestField> fields() {
        return EnumSet.of(RequestField.NEGATIVE_PROMPT, RequestField.STEPS, RequestField.GUIDANCE_SCALE,
                RequestField.MAX_SEQUENCE_LENGTH);
    }

    @Override
    protected String unsupported(RequestField field) {
        return switch (field) {
            case TIMESTEPS, MAX_TIMESTEP, INTERMEDIATE_TIMESTEP -> "custom timesteps are a SANA-Sprint option; for SD3.5"
                    + " use steps, or an SwD table (Pipeline.builder().with(SwdPreset...))";
            case INSTRUCTION -> "prompt instructions are a SANA option; SD3.5 has none";
            case NORMALIZE_PROMPT -> "SD3.5 uses prompts as given";
            case IMAGE -> "image-to-image is not supported by the SD3.5 / SwD pipeline";
            default -> "";
        };
    }

    @Override
    protected SizeRule sizes() {
        int unit = vaeScale * transformerConfig.patchSize();
        if (swd != null) {
            int[] last = swd.finalScale();
            return new SizeRule(last[1] * vaeScale, last[0] * vaeScale, unit, false);
        }
        int side = transformerConfig.sampleSize() * vaeScale;
        return new SizeRule(side, side, unit, false);
    }

    @Override
    protected Sd3Request plan(BaseRequest base, RequestReader in) {
        int patch = transformerConfig.patchSize();
        Integer reqSteps = in.steps();
        ScaleSchedule table = null;
        int steps;
        if (swd != null) {
            table = swd.rescaledTo(base.height() / vaeScale, base.width() / vaeScale, patch).requireMultipleOf(patch);
            steps = table.steps();
            if (reqSteps != null && reqSteps != steps) {
                throw new InvalidRequestException("the SwD table '" + swd.name() + "' has " + steps + " steps but " + reqSteps
                        + " were requested; leave steps unset or choose a table with " + reqSteps + " steps");
            }
        } else {
            steps = reqSteps == null ? Sd3Request.DEFAULT_STEPS : reqSteps;
            scheduler.schedule(steps); // validates the step count before any work
        }
        double guidance = in.guidanceScale(swd != null ? Sd3Request.SWD_GUIDANCE : Sd3Request.DEFAULT_GUIDANCE);
        int maxLen = in.maxSequenceLength(swd != null ? Sd3Request.SWD_MAX_SEQUENCE_LENGTH : Sd3TextEncoder.DEFAULT_MAX_SEQUENCE_LENGTH,
                1, Sd3TextEncoder.MAX_SEQUENCE_LENGTH);
        List<String> negatives = null;
        String neg = in.negativePrompt();
        if (Guidance.enabled(guidance)) {
            negatives = new ArrayList<>(base.batch());
            for (int i = 0; i < base.batch(); i++) negatives.add(neg == null ? "" : neg);
        } else if (in.request().negativePrompt() != null) {
            throw new InvalidRequestException("a negative prompt needs classifier-free guidance: set guidanceScale > 1 (it is "
                    + guidance + (swd != null ? "; SwD checkpoints are distilled to run without guidance" : "") + ")");
        }
        return new Sd3Request(base, negatives, table, steps, guidance, maxLen);
    }

    @Override
    protected GenerationResult run(Sd3Request r, GenerationRun run) {
        BaseRequest b = r.base();
        TensorBackend be = backend();
        int batch = b.batch();
        // the AVX2 kernel of torch's CPU randn: what x86-64 PyTorch runs, and what the SwD references were made with
        BatchNoise noise = BatchNoise.of(b.seed(), b.seeds(), TorchGenerator.CpuCapability.AVX2);
        List<String> prompts = b.promptPerImage();
        Sd3TextEncoder.Embeddings[] text = run.timed("text_encoder", () -> new Sd3TextEncoder.Embeddings[] {
                this.text.get().encode(prompts, r.maxSequenceLength()),
                r.guided() ? this.text.get().encode(r.negatives(), r.maxSequenceLength()) : null});
        Sd3TextEncoder.Embeddings pos = text[0];
        Sd3TextEncoder.Embeddings neg = text[1];
        Sd3Denoiser denoiser = new Sd3Denoiser(transformer.get(), pos.promptEmbeds(), pos.pooled(),
                neg == null ? null : neg.promptEmbeds(), neg == null ? null : neg.pooled(), r.guidance(), null);
        int channels = transformerConfig.inChannels();
        Tensor latents;
        if (r.table() != null) {
            latents = ScaleWiseSampler.sample(be, r.table(), batch, channels, run.steps(denoiser), noise::randn,
                    run.stepDone(r.steps()));
        } else {
            long[] shape = {batch, channels, b.height() / vaeScale, b.width() / vaeScale};
            Tensor init = be.latents(noise.randn(shape), shape);
            latents = FlowMatchEulerScheduler.sample(be, init, scheduler.schedule(r.steps()), run.steps(denoiser),
                    run.stepDone(r.steps()));
        }
        run.checkpoint();
        if (b.output() == OutputType.LATENT) return latents(b, latents, run);
        return images(b, latents, this::decode, run, r.steps(), i -> provenance(r, i));
    }

    private Tensor decode(Tensor z, boolean tiled) {
        AutoencoderKL kl = vae.get();
        return tiled ? kl.decodeTiled(kl.toVaeSpace(z), kl.defaultTiling(), dev.sprint.core.nn.Cancellation::check)
                : kl.decode(kl.toVaeSpace(z));
    }

    @Override
    protected LatentPreview latentPreview() {
        int channels = transformerConfig.inChannels();
        return new LatentPreview(channels, 1, vaeConfig.scalingFactor(), vaeConfig.shiftFactor(),
                channels == Sd3Previews.FACTORS.channels() ? Sd3Previews.FACTORS : null, this::decode);
    }

    private Map<String, String> provenance(Sd3Request r, int i) {
        Map<String, String> extras = new LinkedHashMap<>();
        if (r.table() != null) {
            extras.put("sampler", "swd");
            extras.put("swd_table", r.table().name());
            extras.put("scales", scalesText(r.table()));
            extras.put("sigmas", Arrays.toString(r.table().sigmas()));
            if (swdWeights != null) extras.put("swd_weights", swdWeights);
        } else {
            extras.put("sampler", "flow-matching euler");
            extras.put("shift", Double.toString(scheduler.config().shift()));
        }
        extras.put("guidance", Double.toString(r.guidance()));
        if (r.guided()) extras.put("negative_prompt", r.negatives().get(i));
        extras.put("max_sequence_length", Integer.toString(r.maxSequenceLength()));
        return extras;
    }

    private static String scalesText(ScaleSchedule s) {
        StringBuilder sb = new StringBuilder();
        for (int[] hw : s.scales()) {
            if (sb.length() > 0) sb.append(',');
            sb.append(hw[0] == hw[1] ? Integer.toString(hw[0]) : hw[0] + "x" + hw[1]);
        }
        return sb.toString();
    }
}
