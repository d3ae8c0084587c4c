package dev.sprint.swd;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineOption;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.hub.ModelLocator;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.lora.LoraMergedSource;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.Components;
import dev.sprint.core.pipeline.PipelineContext;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.spi.ModelFamily;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.mmdit.SD3Transformer2DModel;
import dev.sprint.swd.mmdit.SD3TransformerConfig;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.sampler.SwdSpec;
import dev.sprint.swd.text.Sd3TextEncoder;
import dev.sprint.swd.vae.AutoencoderKL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens diffusers {@code StableDiffusion3Pipeline} folders (SD3.5 Medium / Large), with the SwD adapter and
 * table when the builder has an {@link SwdSpec} ({@code Pipeline.builder().with(SwdPreset.MEDIUM_6_STEPS)}) and any
 * {@link Lora} adapters, all fused into the transformer at load (the SwD adapter is one LoRA among them, at scale 1).
 */
public final class Sd3Family implements ModelFamily {
    private static final Logger LOG = LoggerFactory.getLogger(Sd3Family.class);

    @Override
    public String name() {
        return "sd3";
    }

    @Override
    public Set<Class<? extends PipelineOption>> pipelineOptions() {
        return Set.of(SwdSpec.class, Lora.class);
    }

    @Override
    public boolean accepts(ModelFolder folder, PipelineSettings settings) {
        return folder.pipelineClass().equals("StableDiffusion3Pipeline");
    }

    @Override
    public Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        Config sched = folder.config("scheduler");
        String schedClass = sched.getString("_class_name");
        if (!schedClass.equals("FlowMatchEulerDiscreteScheduler")) {
            throw new UnsupportedModelException("SD3 folder " + folder.root() + " names scheduler " + schedClass
                    + "; only FlowMatchEulerDiscreteScheduler is supported");
        }
        FlowMatchEulerScheduler scheduler = new FlowMatchEulerScheduler(FlowMatchEulerScheduler.FlowMatchEulerConfig.from(sched));
        SwdSpec spec = settings.option(SwdSpec.class).orElse(null);
        folder.requireClass("transformer", Set.of("SD3Transformer2DModel"));
        folder.requireClass("vae", Set.of("AutoencoderKL"));
        // every config parsed and validated before anything is loaded
        SD3TransformerConfig trConfig = SD3TransformerConfig.from(folder.config("transformer"));
        AutoencoderKL.KLConfig vaeConfig = AutoencoderKL.KLConfig.from(folder.config("vae"));
        Sd3TextEncoder.validateConfigs(folder);
        ScaleSchedule table = null;
        if (spec != null) {
            table = new ScaleSchedule(spec.name().toLowerCase(Locale.ROOT), spec.scales(), spec.sigmas())
                    .requireMultipleOf(trConfig.patchSize());
            LOG.info("SwD table {}: scales {} sigmas {}", table.name(), spec.scales().stream().map(s -> s[0] + "x" + s[1]).toList(),
                    Arrays.toString(spec.sigmas()));
        }
        Components parts = Components.of(settings, backend);
        try {
            Path trDir = folder.component("transformer");
            List<Lora> loras = LoraMergedSource.resolve(adapters(spec, settings));
            Component<SD3Transformer2DModel> transformer = parts.load("transformer", "denoise",
                    be -> SD3Transformer2DModel.load(trDir, LoraMergedSource.open(trDir, loras, LoraMergedSource.SD3), be));
            Component<AutoencoderKL> vae = parts.load("vae", be -> AutoencoderKL.load(folder.component("vae"), be));
            int jointDim = trConfig.jointAttentionDim();
            Component<Sd3TextEncoder> text = parts.load("text_encoder", be -> Sd3TextEncoder.load(folder, be, jointDim));
            return new StableDiffusion3Pipeline(new PipelineContext(settings.model(), folder, settings, backend, parts), trConfig,
                    vaeConfig, text, transformer, vae, table, spec == null ? null : spec.weights(), scheduler);
        } catch (RuntimeException e) {
            throw parts.closeAfter(e);
        } catch (Error e) {
            throw parts.closeAfter(e);
        }
    }

    /** The SwD adapter (fused at scale 1, as SwD's inference does) first, then the {@link Lora} options in their order. */
    private static List<Lora> adapters(SwdSpec spec, PipelineSettings settings) {
        List<Lora> out = new ArrayList<>();
        if (spec != null && spec.weights() != null) out.add(Lora.of(adapterFolder(spec.weights())));
        out.addAll(settings.options(Lora.class));
        return out;
    }

    /** The adapter folder of a path or repo id; accepts the folder itself or one holding {@code swd/}. */
    private static Path adapterFolder(String weights) {
        Path p = ModelLocator.resolve(weights);
        if (Files.isRegularFile(p.resolve("adapter_config.json"))) return p;
        if (Files.isRegularFile(p.resolve("swd/adapter_config.json"))) return p.resolve("swd");
        throw new ModelLoadException("SwD weights " + p + " have no adapter_config.json (expected a PEFT LoRA adapter folder:"
                + " adapter_config.json + adapter_model.safetensors)");
    }
}
