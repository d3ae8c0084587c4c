package dev.sprint.core.sana;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.PipelineSettings;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.dcae.AutoencoderDCConfig;
import dev.sprint.core.gemma.Gemma2Config;
import dev.sprint.core.hub.ModelLocator;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.lora.LoraMergedSource;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.pipeline.Components;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * How the Sana families (SANA-Sprint, base Sana, Sana + ControlNet) load the parts they share: the Gemma text
 * encoder with its tokenizer, the Sana transformer and the DC-AE, each as a {@link Component}. A part the
 * model folder lacks comes from the {@link ComponentSource} option when one is set; a part model_index.json
 * declares with another class than the one implemented here is an {@code UnsupportedModelException}.
 */
public final class SanaLoader {
    private SanaLoader() {}

    /**
     * The configs of the shared parts, parsed and validated before anything is loaded (a broken VAE config
     * fails before the text encoder is allocated).
     *
     * @param text        the Gemma-2 text encoder's
     * @param transformer the Sana transformer's
     * @param vae         the DC-AE's
     */
    public record Configs(Gemma2Config text, SanaTransformerConfig transformer, AutoencoderDCConfig vae) {
        /** Pixels per latent cell × patch size: sizes must be multiples of it. */
        public int sizeMultiple() {
            return vae.spatialCompression() * transformer.patchSize();
        }

        /** The model's native size in pixels (sample_size latents). */
        public int defaultSide() {
            return transformer.sampleSize() * vae.spatialCompression();
        }
    }

    /** Reads and validates the three configs (from the model folder or the {@link ComponentSource}). */
    public static Configs configs(ModelFolder folder, PipelineSettings settings) {
        ModelFolder text = source(folder, settings, "text_encoder");
        folder.requireClass("transformer", Set.of("SanaTransformer2DModel"));
        ModelFolder vae = source(folder, settings, "vae");
        return new Configs(Gemma2Config.from(text.config("text_encoder")), SanaTransformerConfig.from(folder.config("transformer")),
                AutoencoderDCConfig.from(vae.config("vae")));
    }

    /** The folder that provides {@code component}: the model folder, else the {@link ComponentSource}. */
    public static ModelFolder source(ModelFolder folder, PipelineSettings settings, String component) {
        if (folder.hasFolder(component) && !folder.index().isNull(component)) return folder;
        ComponentSource other = settings.option(ComponentSource.class).orElse(null);
        if (other == null) {
            folder.component(component); // the error naming what is missing
            throw new ModelLoadException(folder.root() + " has no " + component + "/ folder; pass a folder that has it with"
                    + " Pipeline.builder().with(ComponentSource.of(dir))");
        }
        ModelFolder f = ModelFolder.open(ModelLocator.resolve(other.folder()));
        f.component(component); // error naming it when missing
        return f;
    }

    /** {@code tokenizer/} + {@code text_encoder/} (Gemma-2). */
    public static Component<SanaTextEncoder> textEncoder(Components parts, ModelFolder folder, PipelineSettings settings,
                                                         TensorBackend backend) {
        ModelFolder text = source(folder, settings, "text_encoder");
        ModelFolder tok = source(folder, settings, "tokenizer");
        if (!text.root().equals(tok.root())) {
            throw new ModelLoadException("text_encoder/ and tokenizer/ must come from one folder (" + text.root() + " vs "
                    + tok.root() + ")");
        }
        text.requireClass("text_encoder", Set.of("Gemma2Model", "Gemma2ForCausalLM"));
        return parts.load("text_encoder", be -> SanaTextEncoder.load(text, be));
    }

    /** {@code transformer/} of the model folder, with the {@link Lora} adapters of the settings fused in. */
    public static Component<SanaTransformer2DModel> transformer(Components parts, ModelFolder folder, PipelineSettings settings,
                                                                TensorBackend backend) {
        folder.requireClass("transformer", Set.of("SanaTransformer2DModel"));
        Path dir = folder.component("transformer");
        List<Lora> loras = LoraMergedSource.resolve(settings.options(Lora.class));
        return parts.load("transformer", "denoise", be -> SanaTransformer2DModel.load(dir,
                LoraMergedSource.open(dir, loras, LoraMergedSource.SANA), be));
    }

    /** {@code vae/} (DC-AE). */
    public static Component<AutoencoderDC> vae(Components parts, ModelFolder folder, PipelineSettings settings,
                                               TensorBackend backend) {
        ModelFolder f = source(folder, settings, "vae");
        f.requireClass("vae", Set.of("AutoencoderDC"));
        return parts.load("vae", be -> AutoencoderDC.load(f.component("vae"), be));
    }
}
