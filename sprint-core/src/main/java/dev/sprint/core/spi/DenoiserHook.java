package dev.sprint.core.spi;

import dev.sprint.core.tensor.Tensor;
import java.util.List;

/**
 * A conditioning module that feeds the denoiser (the Sana transformer) with extra residuals at each
 * sampler step, the way a ControlNet does. Pipelines call {@link #residuals} once per denoiser
 * evaluation with exactly the inputs the denoiser is about to see, and pass the result to the
 * denoiser's forward pass, which adds residual {@code k} to the hidden states after its block
 * {@code k + 1} (diffusers' {@code controlnet_block_samples} rule: after block {@code i},
 * {@code hidden += residuals[i − 1]} for {@code 0 < i ≤ residuals.size()}).
 *
 * <p>Contract:
 * <ul>
 *   <li>Residuals are (B, N, D) token tensors in the denoiser's width, already multiplied by the
 *       hook's conditioning scale; the denoiser adds them unchanged. An empty list means "no
 *       conditioning this step" and must leave the denoiser's output bit-identical to a call
 *       without a hook.</li>
 *   <li>Like model code, a hook never reads tensor values back to the host; it runs inside the
 *       caller's {@link dev.sprint.core.tensor.Scope}, so the residuals live until the caller's
 *       scope closes.</li>
 *   <li>A hook is bound to one generation (it holds per-call state such as the encoded control
 *       image); pipelines create a fresh one per request and close it afterwards.</li>
 * </ul>
 * Several hooks can be combined by summing their residual lists element-wise.
 */
public interface DenoiserHook extends AutoCloseable {

    /**
     * The inputs of one denoiser evaluation, as the denoiser receives them (batch already doubled
     * for classifier-free guidance where the pipeline uses it).
     *
     * @param index                 0-based sampler step
     * @param steps                 number of sampler steps of this generation
     * @param hiddenStates          latent model input (B, C, h, w)
     * @param timestep              timestep per batch row (B values, host side: sinusoidal embeddings are
     *                              computed on the host), in the denoiser's own units
     * @param guidance              guidance embedding input per batch row, or null for models without one
     * @param encoderHiddenStates   text embeddings (B, L, caption_channels)
     * @param encoderAttentionMask  text mask {@code [B][L]} of 0/1, or null for none
     */
    record Step(int index, int steps, Tensor hiddenStates, float[] timestep, float[] guidance,
                Tensor encoderHiddenStates, long[][] encoderAttentionMask) {}

    /** Residuals to add into the denoiser's blocks for this evaluation (possibly empty, never null). */
    List<Tensor> residuals(Step step);

    /** Releases per-generation state (default: nothing). */
    @Override
    default void close() {}
}
