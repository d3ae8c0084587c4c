package dev.sprint.controlnet;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code SanaControlNetModel}: {@code num_layers} trainable copies of the first Sana blocks
 * that read the noisy latent plus the control latent and return one residual per block.
 *
 * <pre>
 * h   = patch_embed(x) + input_block(patch_embed(control))       # input_block: zero-initialised Linear D→D
 * c_0 = h;  c_k = transformer_blocks[k](c_{k−1})                  # same text, timestep, mask as the base model
 * sample_k = controlnet_blocks[k](c_k) · conditioning_scale       # zero-initialised Linear D→D per block
 * </pre>
 * The patch embedder is the ControlNet's own (weights {@code patch_embed.proj.*}) and is applied to both
 * latents. The base transformer then adds {@code sample_{i−1}} after its block {@code i} for
 * {@code 1 ≤ i ≤ num_layers} (see {@link dev.sprint.core.spi.DenoiserHook}). The timestep is in the base
 * Sana pipeline's units (0..1000); there is no guidance embedder and no qk-norm.
 *
 * <p>Weights: {@code patch_embed.proj.*}, {@code time_embed.emb.timestep_embedder.linear_{1,2}.*},
 * {@code time_embed.linear.*}, {@code caption_projection.linear_{1,2}.*}, {@code caption_norm.weight},
 * {@code input_block.*}, {@code transformer_blocks.{k}.*}, {@code controlnet_blocks.{k}.*}.
 */
public final class SanaControlNetModel implements AutoCloseable {
    private final SanaControlNetConfig config;
    private final TensorBackend backend;
    private final WeightSource source;
    private final SanaBlocks.PatchEmbed patchEmbed;
    private final SanaBlocks.AdaLayerNormSingle timeEmbed;
    private final SanaBlocks.CaptionProjection caption;
    private final Linear inputBlock;
    private final List<dev.sprint.core.sana.SanaTransformer2DModel.SanaTransformerBlock> transformerBlocks = new ArrayList<>();
    private final List<Linear> controlnetBlocks = new ArrayList<>();

    /** Builds the model from a checkpoint; every weight must be used and match the config's shapes. */
    public SanaControlNetModel(SanaControlNetConfig config, WeightSource source, TensorBackend backend) {
        if (config.interpolationScale() != null) {
            throw new ModelLoadException("SanaControlNetModel with interpolation_scale (sin-cos positional embedding) is not"
                    + " supported; Sana checkpoints use null");
        }
        this.config = config;
        this.backend = backend;
        this.source = source;
        Weights w = new Weights(source, backend);
        int d = config.innerDim();
        patchEmbed = new SanaBlocks.PatchEmbed(w.sub("patch_embed"), config.inChannels(), d, config.patchSize());
        timeEmbed = new SanaBlocks.AdaLayerNormSingle(w.sub("time_embed"), d);
        caption = new SanaBlocks.CaptionProjection(w, config.captionChannels(), d);
        inputBlock = new Linear(w.sub("input_block"), d, d, true);
        for (int k = 0; k < config.numLayers(); k++) {
            transformerBlocks.add(new dev.sprint.core.sana.SanaTransformer2DModel.SanaTransformerBlock(blockConfig(config),
                    w.sub("transformer_blocks").sub(k)));
            controlnetBlocks.add(new Linear(w.sub("controlnet_blocks").sub(k), d, d, true));
        }
        w.requireAllUsed();
    }

    /** Loads {@code config.json} + safetensors of a {@code controlnet/} component folder. */
    public static SanaControlNetModel load(Path componentDir, TensorBackend backend) {
        SanaControlNetConfig cfg = SanaControlNetConfig.from(Config.read(componentDir.resolve("config.json")));
        WeightSource src = Checkpoints.open(componentDir);
        try {
            return new SanaControlNetModel(cfg, src, backend);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    /** The copied blocks are core's Sana blocks, configured like a base (non-Sprint) transformer. */
    private static dev.sprint.core.sana.SanaTransformerConfig blockConfig(SanaControlNetConfig c) {
        return new dev.sprint.core.sana.SanaTransformerConfig(c.inChannels(), c.inChannels(), c.numAttentionHeads(),
                c.attentionHeadDim(), c.numLayers(), c.numCrossAttentionHeads(), c.crossAttentionHeadDim(),
                c.crossAttentionDim(), c.captionChannels(), c.mlpRatio(), c.attentionBias(), c.sampleSize(), c.patchSize(),
                c.normElementwiseAffine(), c.normEps(), null, false, 0.1);
    }

    public SanaControlNetConfig config() {
        return config;
    }

    /**
     * The block samples, already multiplied by {@code conditioningScale}.
     *
     * @param hiddenStates        latent model input (B, C, h, w)
     * @param encoderHiddenStates text embeddings (B, L, caption_channels)
     * @param timestep            timestep per batch row (host values, pipeline units)
     * @param controlCond         control latent (B, C, h, w) (VAE latent × scaling factor)
     * @param conditioningScale   multiplies every sample
     * @param encoderMask         text mask {@code [B][L]} of 0/1, or null
     * @return {@code num_layers} tensors (B, h·w/p², D)
     */
    public List<Tensor> forward(Tensor hiddenStates, Tensor encoderHiddenStates, float[] timestep, Tensor controlCond,
                                double conditioningScale, long[][] encoderMask) {
        long b = hiddenStates.size(0);
        if (timestep.length != b) throw new IllegalArgumentException(timestep.length + " timesteps for batch " + b);
        if (!java.util.Arrays.equals(hiddenStates.shape(), controlCond.shape())) {
            throw new IllegalArgumentException("control latent " + controlCond.describe() + " does not match the latent "
                    + hiddenStates.describe());
        }
        int p = config.patchSize();
        int h = (int) (hiddenStates.size(2) / p);
        int w = (int) (hiddenStates.size(3) / p);
        Tensor tProj = backend.fromFloats(SanaBlocks.timestepProjection(timestep, 256), b, 256);
        List<Tensor> inputs = new ArrayList<>(List.of(hiddenStates, encoderHiddenStates, tProj, controlCond));
        Tensor bias = SanaBlocks.maskBias(backend, encoderMask);
        if (bias != null) inputs.add(bias);
        // the scale is applied outside the traced function so a tracing backend does not bake it in
        List<Tensor> samples = backend.call("sana_controlnet", inputs, in -> {
            try (Scope s = backend.newScope()) {
                Tensor x = patchEmbed.forward(in.get(0));
                x = x.add(inputBlock.forward(patchEmbed.forward(in.get(3))));
                Tensor[] t = timeEmbed.forward(in.get(2));
                Tensor text = caption.forward(in.get(1));
                Tensor maskBias = in.size() > 4 ? in.get(4) : null;
                List<Tensor> out = new ArrayList<>(transformerBlocks.size());
                for (int k = 0; k < transformerBlocks.size(); k++) {
                    x = transformerBlocks.get(k).forward(x, text, maskBias, t[0], h, w);
                    out.add(controlnetBlocks.get(k).forward(x));
                }
                out.replaceAll(s::keep);
                return out;
            }
        });
        List<Tensor> scaled = new ArrayList<>(samples.size());
        for (Tensor t : samples) scaled.add(t.mul(conditioningScale));
        return scaled;
    }

    @Override
    public void close() {
        source.close();
    }
}
