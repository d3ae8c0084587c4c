package dev.sprint.swd.sampler;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.sched.Denoiser;
import dev.sprint.core.sched.Guidance;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.mmdit.SD3Transformer2DModel;
import java.util.List;
import java.util.function.Consumer;

/**
 * The SD3 MMDiT as a {@link Denoiser} (for the scale-wise and the flow-matching Euler samplers): one
 * transformer pass per step, or with classifier-free guidance ({@code guidance > 1} and negative
 * embeddings given) one pass on the batch [x; x] with [negative; positive] text and
 * v = v_uncond + g·(v_cond − v_uncond), as diffusers' StableDiffusion3Pipeline. SwD checkpoints are used
 * without guidance.
 */
public final class Sd3Denoiser implements Denoiser {
    private final SD3Transformer2DModel model;
    private final Tensor embeds;
    private final Tensor pooled;
    private final double guidance;
    private final Consumer<Tensor> onModelOutput;

    /**
     * @param model          the transformer (LoRA merged through its weight source)
     * @param promptEmbeds   (B, L, joint_attention_dim)
     * @param pooled         (B, pooled_projection_dim)
     * @param negativeEmbeds (B, L, ·) for guidance, or null
     * @param negativePooled (B, ·) for guidance, or null
     * @param guidance       CFG scale; guidance ≤ 1 (or no negative embeddings) means one unguided pass
     * @param onModelOutput  sees the raw transformer output of every step (batched [uncond; cond] with CFG), or null
     */
    public Sd3Denoiser(SD3Transformer2DModel model, Tensor promptEmbeds, Tensor pooled, Tensor negativeEmbeds,
                       Tensor negativePooled, double guidance, Consumer<Tensor> onModelOutput) {
        TensorBackend be = promptEmbeds.backend();
        boolean cfg = Guidance.enabled(guidance) && negativeEmbeds != null;
        if (cfg && (negativePooled == null || negativeEmbeds.size(0) != promptEmbeds.size(0)
                || negativeEmbeds.size(1) != promptEmbeds.size(1))) {
            throw new InvalidRequestException("negative prompt embeddings " + negativeEmbeds.describe()
                    + " do not match the prompt embeddings " + promptEmbeds.describe());
        }
        this.model = model;
        this.embeds = cfg ? be.concat(List.of(negativeEmbeds, promptEmbeds), 0) : promptEmbeds;
        this.pooled = cfg ? be.concat(List.of(negativePooled, pooled), 0) : pooled;
        this.guidance = cfg ? guidance : 1.0;
        this.onModelOutput = onModelOutput;
    }

    /** Unguided denoiser. */
    public Sd3Denoiser(SD3Transformer2DModel model, Tensor promptEmbeds, Tensor pooled) {
        this(model, promptEmbeds, pooled, null, null, 1.0, null);
    }

    /** Whether classifier-free guidance is on (two samples per image per pass). */
    public boolean guided() {
        return Guidance.enabled(guidance);
    }

    @Override
    public Tensor velocity(Tensor latents, float[] timestep, int step) {
        if (!guided()) {
            Tensor v = model.forward(latents, timestep, embeds, pooled);
            if (onModelOutput != null) onModelOutput.accept(v);
            return v;
        }
        Tensor out = model.forward(Guidance.doubled(latents), Guidance.doubled(timestep), embeds, pooled);
        if (onModelOutput != null) onModelOutput.accept(out);
        return Guidance.combine(out, guidance);
    }
}
