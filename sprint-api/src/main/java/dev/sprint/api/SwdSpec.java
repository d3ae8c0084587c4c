package dev.sprint.api;

import java.util.List;

/**
 * Scale-wise distillation (SwD) settings for a Stable Diffusion 3.5 folder, given to
 * {@link Pipeline.Builder#swd(SwdSpec)}: the SwD weights (a PEFT LoRA adapter merged into the transformer at
 * load) and the table the sampler walks — a latent size per step and n+1 noise levels ending in 0.
 * Implemented by {@code dev.sprint.swd.SwdPreset} (the released checkpoints' tables) and
 * {@code dev.sprint.swd.SwdConfig} (a weights folder with a preset or a custom table); needs the
 * {@code dev.sprint:sprint-swd} module at run time.
 */
public interface SwdSpec {
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
}
