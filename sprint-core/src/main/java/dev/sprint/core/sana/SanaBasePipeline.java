package dev.sprint.core.sana;

import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.pipeline.BaseRequest;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.DiffusionPipeline;
import dev.sprint.core.pipeline.LatentPreview;
import dev.sprint.core.pipeline.PipelineContext;
import dev.sprint.core.pipeline.SizeRule;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.image.TiledDecode;
import dev.sprint.core.nn.Cancellation;

/**
 * What the Sana pipelines share on top of {@link DiffusionPipeline}: the Gemma text encoder, the Sana
 * transformer and the DC-AE as components, the size rule (sample_size × 32 pixels, multiples of the latent
 * cell × patch, the 1024 binning table for sample_size 32) and the decode step.
 *
 * @param <P> the family's resolved request
 */
abstract class SanaBasePipeline<P> extends DiffusionPipeline<P> {
    private final Component<SanaTextEncoder> text;
    private final Component<SanaTransformer2DModel> transformer;
    private final Component<AutoencoderDC> vae;
    private final SanaLoader.Configs configs;

    SanaBasePipeline(PipelineContext ctx, SanaLoader.Configs configs, Component<SanaTextEncoder> text,
                     Component<SanaTransformer2DModel> transformer, Component<AutoencoderDC> vae) {
        super(ctx);
        this.text = text;
        this.transformer = transformer;
        this.vae = vae;
        this.configs = configs;
    }

    @Override
    protected final SizeRule sizes() {
        int side = configs.defaultSide();
        return new SizeRule(side, side, configs.sizeMultiple(), configs.transformer().sampleSize() == 32);
    }

    final SanaLoader.Configs configs() {
        return configs;
    }

    final SanaTextEncoder textEncoder() {
        return text.get();
    }

    final SanaTransformer2DModel transformer() {
        return transformer.get();
    }

    final AutoencoderDC vae() {
        return vae.get();
    }

    /**
     * No projection: no latent→RGB factors are published for DC-AE's 32-channel latents (and none can be fitted
     * honestly without the real decoder), so Sana previews need {@code PreviewDecoder.vae()} or a tiny decoder.
     */
    @Override
    protected LatentPreview latentPreview() {
        return new LatentPreview(configs.transformer().inChannels(), samplerScale(), configs.vae().scalingFactor(), 0, null,
                this::decode);
    }

    /** Sampler latents per model latent (σ_data for the TrigFlow sampler). */
    double samplerScale() {
        return 1;
    }

    /** (B, C, h, w) of the latents for the generation size. */
    final long[] latentShape(BaseRequest r) {
        int scale = configs.vae().spatialCompression();
        return new long[] {r.batch(), configs.transformer().inChannels(), r.genHeight() / scale, r.genWidth() / scale};
    }

    /**
     * The decoder step: latents / scaling_factor → DC-AE → images; tiled as diffusers' {@code enable_tiling()}
     * (512-pixel tiles every 448) when the memory plan or {@code VaeTiling.ON} asks for it.
     */
    final Tensor decode(Tensor latents, boolean tiled) {
        AutoencoderDC dc = vae.get();
        Tensor z = latents.mul(1.0 / dc.config().scalingFactor());
        return tiled ? dc.decodeTiled(z, TiledDecode.autoencoderDc(dc.config().spatialCompression()), Cancellation::check)
                : dc.decode(z);
    }
}
