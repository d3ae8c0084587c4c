package dev.sprint.controlnet;

import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.sana.SanaTextEncoder;
import dev.sprint.core.sana.SanaTransformer2DModel;
import dev.sprint.core.tensor.Tensor;
import java.util.ArrayList;
import java.util.List;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.hub.ModelLocator;
import dev.sprint.core.io.Closeables;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.spi.ModelFamily;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens base Sana folders ({@code SanaPipeline}, {@code SanaControlNetPipeline}) and any Sana folder when
 * {@link PipelineSettings#controlNet()} is set. Priority 10, so it outranks the plain SANA-Sprint family.
 *
 * <p>Component lookup: {@code controlnet/} comes from the ControlNet setting (a {@code SanaControlNetModel}
 * folder, or a pipeline folder with {@code controlnet/}) or else from the model folder. {@code text_encoder/},
 * {@code tokenizer/} and {@code vae/} come from the model folder, or — when it lacks them, as the golden
 * ControlNet folder does — from the folder named by the extension {@value #COMPONENTS_KEY} (a path or repo id
 * of a diffusers folder that has them).
 */
public final class SanaControlNetFamily implements ModelFamily {
    /** Extension key: folder supplying text_encoder/, tokenizer/ and vae/ when the model folder has none. */
    public static final String COMPONENTS_KEY = "sana.components";

    private static final Set<String> BASE_CLASSES = Set.of("SanaPipeline", "SanaControlNetPipeline");
    private static final Set<String> SANA_CLASSES = Set.of("SanaPipeline", "SanaControlNetPipeline", "SanaSprintPipeline",
            "SanaSprintImg2ImgPipeline", "SanaPAGPipeline");

    @Override
    public String name() {
        return "sana-controlnet";
    }

    @Override
    public int priority() {
        return 10;
    }

    @Override
    public java.util.Set<String> extensionKeys() {
        return java.util.Set.of(COMPONENTS_KEY);
    }

    @Override
    public boolean accepts(ModelFolder folder, PipelineSettings settings) {
        String cls = folder.pipelineClass();
        return BASE_CLASSES.contains(cls) || (settings.controlNet() != null && SANA_CLASSES.contains(cls));
    }

    /** The {@code controlnet/} component folder for these settings, or null for plain Sana. */
    static Path controlNetDir(ModelFolder folder, PipelineSettings settings) {
        if (settings.controlNet() != null) {
            Path p = ModelLocator.resolve(settings.controlNet());
            if (Files.isRegularFile(p.resolve("config.json"))) return p;
            if (Files.isDirectory(p.resolve("controlnet"))) return p.resolve("controlnet");
            throw new ModelLoadException("ControlNet " + p + " has neither config.json nor a controlnet/ folder");
        }
        return folder.declares("controlnet") ? folder.component("controlnet") : null;
    }

    /** The folder providing {@code component}: the model folder, else the {@value #COMPONENTS_KEY} extension. */
    static ModelFolder componentFolder(ModelFolder folder, PipelineSettings settings, String component) {
        if (Files.isDirectory(folder.root().resolve(component))) return folder;
        Object ext = settings.extensions().get(COMPONENTS_KEY);
        if (ext == null) {
            throw new ModelLoadException(folder.root() + " has no " + component + "/ folder; pass a folder that has it with"
                    + " Pipeline.builder().extension(\"" + COMPONENTS_KEY + "\", path)");
        }
        ModelFolder other = ModelFolder.open(ModelLocator.resolve(ext.toString()));
        other.component(component); // error naming it when missing
        return other;
    }

    @Override
    public Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        String cls = folder.pipelineClass();
        if (cls.startsWith("SanaSprint")) {
            throw new UnsupportedModelException("a ControlNet on a SANA-Sprint transformer is not supported: no Sprint"
                    + " ControlNet weights exist and diffusers' SanaControlNetModel has no guidance embedder; use a base"
                    + " Sana model (SanaPipeline) with it");
        }
        Path cnDir = controlNetDir(folder, settings);
        if (cls.equals("SanaControlNetPipeline") && cnDir == null) {
            throw new ModelLoadException(folder.root() + " is a SanaControlNetPipeline without a controlnet/ component");
        }
        FlowMatchEulerScheduler scheduler = new FlowMatchEulerScheduler(
                FlowMatchEulerScheduler.FlowMatchEulerConfig.from(folder.config("scheduler")));
        ModelFolder textFolder = componentFolder(folder, settings, "text_encoder");
        componentFolder(folder, settings, "tokenizer");
        ModelFolder vaeFolder = componentFolder(folder, settings, "vae");
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            SanaTextEncoder te = SanaTextEncoder.load(textFolder, backend);
            owned.add(te);
            SanaTransformer2DModel tr = SanaTransformer2DModel.load(folder.component("transformer"), backend);
            owned.add(tr);
            AutoencoderDC dc = AutoencoderDC.load(vaeFolder.component("vae"), backend);
            owned.add(dc);
            SanaControlNetModel cn = cnDir == null ? null : SanaControlNetModel.load(cnDir, backend);
            if (cn != null) owned.add(cn);
            SanaComponents.TextEncoder text = (prompts, len, instruction, normalize) -> {
                SanaTextEncoder.Embeddings e = te.encode(prompts, len, instruction, normalize);
                return new SanaComponents.Embeddings(e.embeds(), e.mask());
            };
            SanaComponents.Denoiser denoiser = new SanaComponents.Denoiser() {
                @Override
                public int inChannels() {
                    return tr.config().inChannels();
                }

                @Override
                public int sampleSize() {
                    return tr.config().sampleSize();
                }

                @Override
                public Tensor forward(Tensor latents, float[] timestep, Tensor textEmbeds, long[][] mask, List<Tensor> residuals) {
                    return tr.forward(latents, timestep, null, textEmbeds, mask, residuals == null || residuals.isEmpty() ? null : residuals);
                }
            };
            SanaComponents.Autoencoder vae = new SanaComponents.Autoencoder() {
                @Override
                public Tensor encode(Tensor image) {
                    return dc.encode(image);
                }

                @Override
                public Tensor decode(Tensor latents) {
                    return dc.decode(latents);
                }

                @Override
                public double scalingFactor() {
                    return dc.config().scalingFactor();
                }

                @Override
                public int spatialCompression() {
                    return dc.config().spatialCompression();
                }
            };
            return new SanaControlNetPipeline(settings.model(), cls, backend, text, denoiser, vae, cn, scheduler,
                    settings.defaults(), owned);
        } catch (RuntimeException e) {
            throw Closeables.closeAfter(e, owned);
        }
    }
}
