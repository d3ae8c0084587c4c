package dev.sprint.core.lora;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.PipelineOption;
import java.nio.file.Path;

/**
 * A LoRA adapter fused into the denoiser's weights when the pipeline loads:
 * {@code Pipeline.builder().with(Lora.of("some-org/some-lora").scale(0.8))}. Repeatable: every adapter given is
 * fused, each with its own scale, {@code W' = W + Σ scale_i · (alpha_i / r_i) · B_i · A_i} (what diffusers'
 * {@code load_lora_weights} + {@code fuse_lora(lora_scale=…)} gives). Read by the Sana families (SANA-Sprint,
 * Sana, Sana ControlNet's base transformer) and SD3.5.
 *
 * <p>The source is a file or folder, or a Hugging Face repo id (resolved, and downloaded when missing, like a
 * model): diffusers' {@code save_lora_weights} output ({@code pytorch_lora_weights.safetensors}, keys
 * {@code transformer.<module>.lora_A.weight}/{@code lora_B.weight}, optional {@code .alpha} keys or
 * {@code adapter_config.json}), a PEFT folder ({@code adapter_config.json} + {@code adapter_model.safetensors}),
 * or a kohya-style file ({@code lora_transformer_…}/{@code lora_unet_…} with {@code lora_down}/{@code lora_up}/
 * {@code alpha}). See docs/lora.md.
 *
 * @param source path of a safetensors file or an adapter folder, or a repo id
 * @param scale  the adapter's strength ({@code lora_scale}); 0 loads and checks it but changes nothing
 */
public record Lora(String source, double scale) implements PipelineOption {
    public Lora {
        if (source == null || source.isBlank()) throw new InvalidRequestException("the LoRA source is null or blank");
        if (!Double.isFinite(scale)) throw new InvalidRequestException("the LoRA scale must be a finite number, got " + scale);
    }

    /** An adapter at scale 1. */
    public static Lora of(String pathOrRepoId) {
        return new Lora(pathOrRepoId, 1.0);
    }

    /** An adapter file or folder at scale 1. */
    public static Lora of(Path fileOrFolder) {
        return new Lora(fileOrFolder == null ? null : fileOrFolder.toString(), 1.0);
    }

    /** This adapter at another scale. */
    public Lora scale(double s) {
        return new Lora(source, s);
    }

    @Override
    public boolean repeatable() {
        return true;
    }

    @Override
    public String requirement() {
        return "a Sana, SANA-Sprint, Sana ControlNet or SD3.5 folder";
    }

    @Override
    public String toString() {
        return source + ":" + scale;
    }
}
