package dev.sprint.controlnet;

import dev.sprint.core.spi.DenoiserHook;
import dev.sprint.core.tensor.Tensor;
import java.util.List;

/**
 * A {@link DenoiserHook} that runs a {@link SanaControlNetModel} on the denoiser's own inputs plus a fixed
 * control latent, returning its block samples × the conditioning scale (what diffusers passes as
 * {@code controlnet_block_samples}).
 *
 * @param controlNet    the model
 * @param controlLatent control latent already broadcast to the denoiser batch (B, C, h, w)
 * @param scale         conditioning scale
 */
public record ControlNetHook(SanaControlNetModel controlNet, Tensor controlLatent, double scale) implements DenoiserHook {
    @Override
    public List<Tensor> residuals(Step step) {
        return controlNet.forward(step.hiddenStates(), step.encoderHiddenStates(), step.timestep(), controlLatent, scale,
                step.encoderAttentionMask());
    }
}
