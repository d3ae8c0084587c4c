package dev.sprint.controlnet;

import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Activation;
import dev.sprint.core.nn.AdaLayerNormSingle;
import dev.sprint.core.nn.AttentionMask;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.Model;
import dev.sprint.core.nn.ModelLoader;
import dev.sprint.core.nn.PatchEmbed;
import dev.sprint.core.nn.PixArtAlphaTextProjection;
import dev.sprint.core.nn.RMSNorm;
import dev.sprint.core.nn.TimestepConditioning;
import dev.sprint.core.nn.Timesteps;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.sana.SanaTransformer2DModel.SanaTransformerBlock;
import dev.sprint.api.InvalidRequestException;

import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
 * The patch embedder is the ControlNet's own and is applied to both latents. The base transformer then
 * adds {@code sample_{i−1}} after its block {@code i} for {@code 1 ≤ i ≤ num_layers} (see
 * {@link dev.sprint.core.spi.DenoiserHook}). The timestep is in the base Sana pipeline's units (0..1000);
 * there is no guidance embedder and no qk-norm. Fields mirror the weight paths ({@code patch_embed},
 * {@code time_embed}, {@code caption_projection}, {@code caption_norm}, {@code input_block},
 * {@code transformer_blocks}, {@code controlnet_blocks}); the blocks and embeddings are sprint-core's.
 */
public final class SanaControlNetModel extends Model<SanaControlNetConfig> {
    private final PatchEmbed patchEmbed;
    private final TimestepConditioning timeEmbed;
    private final PixArtAlphaTextProjection captionProjection;
    private final RMSNorm captionNorm;
    private final Linear inputBlock;
    private final List<SanaTransformerBlock> transformerBlocks;
    private final List<Linear> controlnetBlocks;

    /** Builds the model from a checkpoint path; every weight must be used and match the config's shapes. */
    public SanaControlNetModel(SanaControlNetConfig config, Weights w, WeightSource owned) {
        super(config, w, owned);
        int d = config().innerDim();
        patchEmbed = new PatchEmbed(w.sub("patch_embed"), config().inChannels(), d, config().patchSize());
        timeEmbed = new AdaLayerNormSingle(w.sub("time_embed"), d);
        captionProjection = new PixArtAlphaTextProjection(w.sub("caption_projection"), config().captionChannels(), d,
                Activation.GELU_TANH);
        captionNorm = new RMSNorm(w.sub("caption_norm"), d, 1e-5, true);
        inputBlock = new Linear(w.sub("input_block"), d, d, true);
        List<SanaTransformerBlock> blocks = new ArrayList<>();
        List<Linear> outs = new ArrayList<>();
        for (int k = 0; k < config().numLayers(); k++) {
            blocks.add(new SanaTransformerBlock(config().blockConfig(), w.sub("transformer_blocks").sub(k)));
            outs.add(new Linear(w.sub("controlnet_blocks").sub(k), d, d, true));
        }
        transformerBlocks = List.copyOf(blocks);
        controlnetBlocks = List.copyOf(outs);
    }

    /** Loads {@code config.json} + safetensors of a {@code controlnet/} component folder. */
    public static SanaControlNetModel load(Path componentDir, TensorBackend backend) {
        return ModelLoader.load(componentDir, backend, SanaControlNetConfig::from, SanaControlNetModel::new);
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
        if (timestep.length != b) throw new InvalidRequestException(timestep.length + " timesteps for batch " + b);
        if (!Arrays.equals(hiddenStates.shape(), controlCond.shape())) {
            throw new InvalidRequestException("control latent " + controlCond.describe() + " does not match the latent "
                    + hiddenStates.describe());
        }
        int p = config().patchSize();
        int h = (int) (hiddenStates.size(2) / p);
        int w = (int) (hiddenStates.size(3) / p);
        Tensor tProj = backend().fromFloats(Timesteps.project(timestep, Timesteps.CHANNELS), b, Timesteps.CHANNELS);
        List<Tensor> inputs = new ArrayList<>(List.of(hiddenStates, encoderHiddenStates, tProj, controlCond));
        Tensor bias = AttentionMask.bias(backend(), encoderMask);
        if (bias != null) inputs.add(bias);
        // the scale is applied outside the traced function so a tracing backend does not bake it in
        List<Tensor> samples = call("sana_controlnet", inputs, in -> {
            Tensor x = patchEmbed.forward(in.get(0));
            x = x.add(inputBlock.forward(patchEmbed.forward(in.get(3))));
            TimestepConditioning.Output t = timeEmbed.forward(in.get(2), null);
            Tensor text = captionNorm.forward(captionProjection.forward(in.get(1)));
            Tensor maskBias = in.size() > 4 ? in.get(4) : null;
            List<Tensor> out = new ArrayList<>(transformerBlocks.size());
            for (int k = 0; k < transformerBlocks.size(); k++) {
                Cancellation.check();
                x = transformerBlocks.get(k).forward(x, text, maskBias, t.modulation(), h, w);
                out.add(controlnetBlocks.get(k).forward(x));
            }
            return out;
        });
        List<Tensor> scaled = new ArrayList<>(samples.size());
        for (Tensor t : samples) scaled.add(t.mul(conditioningScale));
        return scaled;
    }

}
