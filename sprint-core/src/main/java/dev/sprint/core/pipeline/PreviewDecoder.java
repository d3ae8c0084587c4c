package dev.sprint.core.pipeline;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.PipelineOption;
import java.nio.file.Path;

/**
 * What turns a step's x0 estimate into the RGB image of a {@link dev.sprint.api.PreviewEvent}, set with
 * {@code Pipeline.builder().with(PreviewDecoder.tiny(dir))}. Without this option a family previews by its linear
 * latent→RGB projection where it has published factors (SD3/SwD), and has no previews otherwise (the Sana
 * families: no published factors exist for DC-AE latents), so a request for previews there is an
 * {@link InvalidRequestException} naming these choices. Read by every family.
 *
 * @param kind   the decoder
 * @param folder the {@code AutoencoderTiny} folder for {@link Kind#TINY}, else null
 */
public record PreviewDecoder(Kind kind, Path folder) implements PipelineOption {
    /** The preview decoders. */
    public enum Kind {
        /** A linear map of each latent cell to RGB: one pixel per latent cell, practically free. */
        PROJECTION,
        /**
         * A diffusers {@code AutoencoderTiny} folder (TAESD; {@code madebyollin/taesd3} for SD3/SwD): full-size
         * previews at a small fraction of the VAE's cost; its latent channels must match the model's.
         */
        TINY,
        /** The model's own VAE: the exact image of the estimate, at the full decode's cost per preview. */
        VAE
    }

    public PreviewDecoder {
        if (kind == null) throw new InvalidRequestException("the preview decoder kind is null");
        if ((kind == Kind.TINY) != (folder != null)) {
            throw new InvalidRequestException("a TINY preview decoder needs a folder, and only it takes one");
        }
    }

    public static PreviewDecoder projection() {
        return new PreviewDecoder(Kind.PROJECTION, null);
    }

    public static PreviewDecoder vae() {
        return new PreviewDecoder(Kind.VAE, null);
    }

    /** A diffusers {@code AutoencoderTiny} folder ({@code config.json} + safetensors). */
    public static PreviewDecoder tiny(Path folder) {
        if (folder == null) throw new InvalidRequestException("the AutoencoderTiny folder is null");
        return new PreviewDecoder(Kind.TINY, folder);
    }

    /** {@code projection}, {@code vae}, or a folder path (a tiny decoder): the CLI/server spelling. */
    public static PreviewDecoder parse(String spec) {
        if (spec == null || spec.isBlank()) throw new InvalidRequestException("the preview decoder is blank");
        return switch (spec) {
            case "projection" -> projection();
            case "vae" -> vae();
            default -> tiny(Path.of(spec));
        };
    }
}
