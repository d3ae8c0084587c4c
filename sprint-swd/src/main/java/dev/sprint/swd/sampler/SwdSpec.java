package dev.sprint.swd.sampler;

import dev.sprint.api.PipelineOption;
import java.util.List;

/**
 * Scale-wise distillation (SwD) settings for a Stable Diffusion 3.5 folder, given to
 * {@code Pipeline.builder().with(spec)}: the SwD weights (a PEFT LoRA adapter merged into the transformer at
 * load) and the table the sampler walks — a latent size per step and n+1 noise levels ending in 0.
 * Implemented by {@link SwdPreset} (the released checkpoints' tables) and {@link SwdConfig} (a weights
 * folder with a preset or a custom table). Without it an SD3.5 folder samples with plain flow-matching Euler.
 */
public interface SwdSpec extends PipelineOption {
    /** A label for logs and image provenance. */
    String name();

    /**
     * Folder or Hugging Face repo id of the SwD adapter ({@code adapter_config.json} +
     * {@code adapter_model.safetensors}), or null when the transformer already contains the SwD weights.
     */
    String weights();

    /** Latent {height, width} of each step (pixels = 8 × latent for SD3.5). */
    List<int[]> scales();

    /** The n+1 noise levels, strictly decreasing, ending in 0. */
    float[] sigmas();

    @Override
    default Class<? extends PipelineOption> type() {
        return SwdSpec.class;
    }

    @Override
    default String requirement() {
        return "a StableDiffusion3Pipeline (SD3.5) folder";
    }
}
