package dev.sprint.core.sana;

import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.OutputType;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.pipeline.BaseRequest;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.DiffusionPipeline;
import dev.sprint.core.pipeline.GenerationRun;
import dev.sprint.core.pipeline.PipelineContext;
import dev.sprint.core.pipeline.RequestField;
import dev.sprint.core.pipeline.RequestReader;
import dev.sprint.core.rng.BatchNoise;
import dev.sprint.core.sched.ScmScheduler;
import dev.sprint.core.tensor.ResizeMode;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.awt.image.BufferedImage;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SANA-Sprint text-to-image and img2img ({@code SanaSprintPipeline} / {@code SanaSprintImg2ImgPipeline} of
 * diffusers): Gemma-2 prompt encoding, the TrigFlow sCM sampler ({@link ScmScheduler}) over the Sana
 * transformer with embedded guidance, DC-AE decoding. Request handling, locking, closing and image output
 * are the shared {@link DiffusionPipeline}'s.
 */
public final class SanaSprintPipeline extends SanaBasePipeline<SanaSprintPipeline.Plan> {
    public static final double DEFAULT_GUIDANCE = 4.5;
    /** img2img strength when an image is given without one (diffusers' default). */
    public static final double DEFAULT_STRENGTH = 0.6;

    private final ScmScheduler scheduler;
    private final SanaTransformerConfig transformerConfig;

    /**
     * A resolved SANA-Sprint request.
     *
     * @param base        the shared fields
     * @param timesteps   the full TrigFlow schedule (N+1 values ending in 0) before img2img truncation
     * @param guidance    guidance scale (embedded, not CFG)
     * @param maxSequenceLength text tokens kept
     * @param instruction complex-human-instruction lines (empty = none)
     * @param normalize   lower-case + strip prompts as diffusers does
     * @param image       img2img input, or null
     * @param strength    img2img strength (1 without an image)
     */
    record Plan(BaseRequest base, float[] timesteps, double guidance, int maxSequenceLength, List<String> instruction,
                boolean normalize, BufferedImage image, double strength) {}

    SanaSprintPipeline(PipelineContext ctx, SanaLoader.Configs configs, Component<SanaTextEncoder> text,
                       Component<SanaTransformer2DModel> transformer, Component<AutoencoderDC> vae, ScmScheduler scheduler) {
        super(ctx, configs, text, transformer, vae);
        this.scheduler = scheduler;
        this.transformerConfig = configs.transformer();
    }

    @Override
    protected Set<RequestField> fields() {
        return EnumSet.complementOf(EnumSet.of(RequestField.NEGATIVE_PROMPT));
    }

    @Override
    protected String unsupported(RequestField field) {
        return field == RequestField.NEGATIVE_PROMPT ? "SANA-Sprint uses embedded guidance, not classifier-free guidance,"
                + " so a negative prompt would have no effect" : "";
    }

    @Override
    protected Plan plan(BaseRequest base, RequestReader in) {
        float[] ts = ScmScheduler.timesteps(in.steps(), in.timesteps(), in.maxTimestep(), in.intermediateTimestep());
        double guidance = in.guidanceScale(DEFAULT_GUIDANCE);
        int maxLen = in.maxSequenceLength(SanaPromptTokens.DEFAULT_MAX_SEQUENCE_LENGTH, 2, 4096);
        List<String> instruction = in.instruction(SanaPromptTokens.CHI_DIFFUSERS);
        boolean normalize = in.normalizePrompt(true);
        BufferedImage image = in.request().image();
        double strength = 1.0;
        if (image != null) {
            ImageProcessing.requireImage(image, "img2img input image");
            strength = in.strength(DEFAULT_STRENGTH);
            int n = ts.length - 1;
            if (n - start(n, strength) < 1) {
                throw new InvalidRequestException("strength " + strength + " leaves no step of the " + n + "-step schedule");
            }
        } else if (in.request().strength() != null) {
            throw new InvalidRequestException("strength is set but no input image was given");
        }
        return new Plan(base, ts, guidance, maxLen, instruction, normalize, image, strength);
    }

    @Override
    double samplerScale() {
        return scheduler.sigmaData();
    }

    /** diffusers' img2img rule: {@code int(N − N·strength)} leading steps are skipped. */
    private static int start(int n, double strength) {
        double init = Math.min(n * strength, n);
        return (int) Math.max(n - init, 0);
    }

    @Override
    protected GenerationResult run(Plan p, GenerationRun run) {
        BaseRequest r = p.base();
        TensorBackend be = backend();
        int batch = r.batch();
        long[] latentShape = latentShape(r);
        BatchNoise noise = BatchNoise.of(r.seed(), r.seeds());
        double sd = scheduler.sigmaData();

        SanaTextEncoder.Embeddings prompt = run.timed("text_encoder",
                () -> textEncoder().encode(r.prompts(), r.imagesPerPrompt(), p.maxSequenceLength(), p.instruction(), p.normalize()));

        float[] ts = p.timesteps();
        Tensor latents;
        if (p.image() != null) {
            ts = Arrays.copyOfRange(ts, start(ts.length - 1, p.strength()), ts.length);
            float t0 = ts[0];
            latents = run.timed("vae_encoder", () -> {
                AutoencoderDC dc = vae();
                Tensor encoded = dc.encode(imageTensor(p.image(), r.genHeight(), r.genWidth()))
                        .mul(dc.config().scalingFactor() * sd);
                if (batch > 1) encoded = be.indexSelect(encoded, 0, be.fromLongs(new long[batch], batch));
                return scheduler.noised(encoded, t0, be.latents(noise.randn(latentShape), latentShape));
            });
        } else {
            latents = be.latents(noise.randn(latentShape), latentShape).mul(sd);
        }
        float g = (float) p.guidance() * (float) transformerConfig.guidanceEmbedsScale();
        float[] guidance = transformerConfig.guidanceEmbeds() ? fill(batch, g) : null;

        int steps = ts.length - 1;
        Tensor finalLatents = scheduler.sample(be, latents, ts,
                run.steps((x, tf, i) -> transformer().forward(x, tf, guidance, prompt.embeds(), prompt.mask(), null)),
                noise::randn, run.stepDone(steps));
        run.checkpoint();
        if (r.output() == OutputType.LATENT) return latents(r, finalLatents, run);
        return images(r, finalLatents, this::decode, run, steps, i -> provenance(p));
    }

    private Map<String, String> provenance(Plan p) {
        Map<String, String> extras = new LinkedHashMap<>();
        extras.put("guidance", Double.toString(p.guidance()));
        extras.put("timesteps", Arrays.toString(p.timesteps()));
        if (p.image() != null) extras.put("strength", Double.toString(p.strength()));
        extras.put("instruction", p.instruction().isEmpty() ? "none" : "default");
        return extras;
    }

    /** An input image as (1, 3, H, W) in [−1, 1] (PIL's convert("RGB")), resized to the generation size when it differs. */
    private Tensor imageTensor(BufferedImage img, int height, int width) {
        int w = img.getWidth();
        int h = img.getHeight();
        Tensor x = backend().fromFloats(ImageProcessing.toCenteredChw(ImageProcessing.rgb8(img), h, w), 1, 3, h, w);
        if (w != width || h != height) x = backend().interpolate(x, height, width, ResizeMode.BICUBIC, false);
        return x;
    }

    private static float[] fill(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
