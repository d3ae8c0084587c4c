package dev.sprint.core.sana;

import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.OutputType;
import dev.sprint.api.RequestOption;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.pipeline.BaseRequest;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.GenerationRun;
import dev.sprint.core.pipeline.PipelineContext;
import dev.sprint.core.pipeline.RequestField;
import dev.sprint.core.pipeline.RequestReader;
import dev.sprint.core.rng.BatchNoise;
import dev.sprint.core.sched.Denoiser;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.sched.Guidance;
import dev.sprint.core.spi.DenoiserHook;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Base Sana text-to-image — diffusers' {@code SanaPipeline}: flow-matching Euler sampling with
 * classifier-free guidance, optionally with a {@link SanaConditioning} plugged in (sprint-controlnet's
 * ControlNet makes it diffusers' {@code SanaControlNetPipeline}).
 *
 * <ol>
 *   <li>Prompts: the positive prompts use the complex human instruction (default on) and Sana's token
 *       selection; the negative prompt (default "") is encoded <b>without</b> it (plain
 *       {@code max_sequence_length} tokens). With CFG ({@code guidanceScale > 1}) the batch is
 *       {@code [negative…, positive…]}.</li>
 *   <li>Latents {@code randn(B, C, H/32, W/32)} from a PyTorch-compatible CPU generator (one per call,
 *       or one per image with {@code seeds}); there is no per-step noise.</li>
 *   <li>Per step: the conditioning's residuals (if any), transformer velocity with them added,
 *       {@code v = v_u + g·(v_c − v_u)}, Euler {@code x ← x + (σ_{i+1} − σ_i)·v}.</li>
 *   <li>{@code decode(x / scaling_factor)}, resize-and-crop back from the binned size, uint8.</li>
 * </ol>
 * Defaults (diffusers'): 20 steps, guidance 4.5, resolution binning on for 1024-px models.
 */
public final class SanaPipeline extends SanaBasePipeline<SanaPipeline.Plan> {
    public static final int DEFAULT_STEPS = 20;
    public static final double DEFAULT_GUIDANCE = 4.5;

    private final FlowMatchEulerScheduler scheduler;
    @SuppressWarnings("rawtypes")
    private final SanaConditioning conditioning;

    /**
     * A resolved request.
     *
     * @param conditioning the conditioning's prepared value, or null without one
     */
    record Plan(BaseRequest base, String negative, FlowMatchEulerScheduler.Schedule schedule, double guidance,
                int maxSequenceLength, List<String> instruction, boolean normalize, Object conditioning) {
        boolean cfg() {
            return Guidance.enabled(guidance);
        }
    }

    /**
     * @param conditioning extra conditioning (a ControlNet), or null for plain Sana
     */
    public SanaPipeline(PipelineContext ctx, SanaLoader.Configs configs, Component<SanaTextEncoder> text,
                        Component<SanaTransformer2DModel> transformer, Component<AutoencoderDC> vae,
                        FlowMatchEulerScheduler scheduler, SanaConditioning<?> conditioning) {
        super(ctx, configs, text, transformer, vae);
        this.scheduler = scheduler;
        this.conditioning = conditioning;
    }

    @Override
    protected Set<RequestField> fields() {
        return EnumSet.of(RequestField.NEGATIVE_PROMPT, RequestField.STEPS, RequestField.TIMESTEPS,
                RequestField.GUIDANCE_SCALE, RequestField.MAX_SEQUENCE_LENGTH, RequestField.INSTRUCTION,
                RequestField.NORMALIZE_PROMPT);
    }

    @Override
    protected String unsupported(RequestField field) {
        return switch (field) {
            case MAX_TIMESTEP, INTERMEDIATE_TIMESTEP -> "these are SANA-Sprint (TrigFlow) settings; this pipeline samples"
                    + " with flow-matching Euler";
            case IMAGE -> "img2img is not supported by the base Sana pipelines";
            default -> "";
        };
    }

    @Override
    protected Set<Class<? extends RequestOption>> requestOptions() {
        return conditioning == null ? Set.of() : Set.of(conditioning.option());
    }

    @Override
    protected void describe(Map<String, String> out) {
        if (conditioning != null) out.putAll(conditioning.describe());
    }

    @Override
    protected Plan plan(BaseRequest base, RequestReader in) {
        List<Double> custom = in.timesteps();
        Integer steps = in.steps();
        FlowMatchEulerScheduler.Schedule schedule;
        if (custom != null) {
            if (steps != null && steps != custom.size()) {
                throw new InvalidRequestException(custom.size() + " custom timesteps for " + steps + " steps");
            }
            schedule = scheduler.schedule(custom);
        } else {
            schedule = scheduler.schedule(steps == null ? DEFAULT_STEPS : steps);
        }
        Object prepared = null;
        if (conditioning != null) {
            prepared = conditioning.prepare((RequestOption) in.request().option(conditioning.option()).orElse(null));
        }
        String negative = in.negativePrompt();
        return new Plan(base, negative == null ? "" : negative, schedule, in.guidanceScale(DEFAULT_GUIDANCE),
                in.maxSequenceLength(SanaPromptTokens.DEFAULT_MAX_SEQUENCE_LENGTH, 2, 4096),
                in.instruction(SanaPromptTokens.CHI_DIFFUSERS), in.normalizePrompt(true), prepared);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected GenerationResult run(Plan p, GenerationRun run) {
        BaseRequest r = p.base();
        TensorBackend be = backend();
        int batch = r.batch();
        int rows = p.cfg() ? 2 * batch : batch;
        long[] latentShape = latentShape(r);

        // 1. text: [negative…, positive…] with CFG; each prompt repeated imagesPerPrompt times consecutively
        SanaTextEncoder.Embeddings text = run.timed("text_encoder", () -> {
            SanaTextEncoder enc = textEncoder();
            SanaTextEncoder.Embeddings pos = enc.encode(r.prompts(), r.imagesPerPrompt(), p.maxSequenceLength(),
                    p.instruction(), p.normalize());
            if (!p.cfg()) return pos;
            List<String> negs = new ArrayList<>();
            for (int i = 0; i < r.prompts().size(); i++) negs.add(p.negative());
            SanaTextEncoder.Embeddings neg = enc.encode(negs, r.imagesPerPrompt(), p.maxSequenceLength(), List.of(),
                    p.normalize());
            return new SanaTextEncoder.Embeddings(be.concat(List.of(neg.embeds(), pos.embeds()), 0), concat(neg.mask(), pos.mask()));
        });

        // 2. the conditioning's per-call hook (a ControlNet encodes its control image here)
        DenoiserHook hook = conditioning == null ? null
                : conditioning.open(p.conditioning(), new SanaConditioning.Setup(be, vae(), r.genWidth(), r.genHeight(), rows, run));
        try {
            // 3. initial noise, 4. Euler steps with CFG
            Tensor latents = be.latents(BatchNoise.of(r.seed(), r.seeds()).randn(latentShape), latentShape);
            FlowMatchEulerScheduler.Schedule sch = p.schedule();
            Denoiser velocity = (x, t, i) -> {
                List<Tensor> residuals = hook == null ? List.of()
                        : hook.residuals(new DenoiserHook.Step(i, sch.steps(), x, t, null, text.embeds(), text.mask()));
                // components are fetched in their stage: in low-memory mode a get() may load one and release another
                return transformer().forward(x, t, null, text.embeds(), text.mask(), residuals.isEmpty() ? null : residuals);
            };
            latents = FlowMatchEulerScheduler.sample(be, latents, sch, run.steps(Guidance.around(velocity, p.guidance())),
                    run.stepDone(sch.steps()));
            run.checkpoint();
            if (r.output() == OutputType.LATENT) return latents(r, latents.mul(1.0 / configs().vae().scalingFactor()), run);
            return images(r, latents, this::decode, run, sch.steps(), i -> provenance(p));
        } finally {
            if (hook != null) hook.close();
        }
    }

    @SuppressWarnings("unchecked")
    private Map<String, String> provenance(Plan p) {
        Map<String, String> extras = new LinkedHashMap<>();
        extras.put("guidance", Double.toString(p.guidance()));
        extras.put("negative_prompt", p.negative());
        extras.put("timesteps", Arrays.toString(p.schedule().timesteps()));
        if (conditioning != null) extras.putAll(conditioning.provenance(p.conditioning()));
        return extras;
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
}
