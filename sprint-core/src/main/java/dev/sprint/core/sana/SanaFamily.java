package dev.sprint.core.sana;

import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineOption;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.pipeline.Components;
import dev.sprint.core.pipeline.PipelineContext;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.sched.ScmScheduler;
import dev.sprint.core.spi.ModelFamily;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Set;
import java.util.function.Function;

/**
 * Opens the Sana folders of sprint-core: SANA-Sprint ({@code SanaSprintPipeline}, {@code SanaSprintImg2ImgPipeline};
 * TrigFlow sCM) and base Sana ({@code SanaPipeline}; flow-matching Euler with CFG). A ControlNet on top is
 * sprint-controlnet's family, which outranks this one and opens base Sana through
 * {@link #open(ModelFolder, PipelineSettings, TensorBackend, Function)}. Every config is validated before any
 * component is loaded; the components are loaded in one place ({@link Components}) and released again if a
 * later one fails.
 */
public final class SanaFamily implements ModelFamily {
    private static final Set<String> SPRINT = Set.of("SanaSprintPipeline", "SanaSprintImg2ImgPipeline");

    @Override
    public String name() {
        return "sana";
    }

    @Override
    public Set<Class<? extends PipelineOption>> pipelineOptions() {
        return Set.of(ComponentSource.class, Lora.class);
    }

    @Override
    public boolean accepts(ModelFolder folder, PipelineSettings settings) {
        return SPRINT.contains(folder.pipelineClass()) || folder.pipelineClass().equals("SanaPipeline");
    }

    @Override
    public Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        return SPRINT.contains(folder.pipelineClass()) ? openSprint(folder, settings, backend) : open(folder, settings, backend, null);
    }

    private static Pipeline openSprint(ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        String scheduler = folder.config("scheduler").getString("_class_name");
        if (!scheduler.equals("SCMScheduler")) {
            throw new UnsupportedModelException("SANA-Sprint folder " + folder.root() + " names scheduler " + scheduler
                    + "; only SCMScheduler (TrigFlow sCM) is supported for this pipeline");
        }
        ScmScheduler scm = ScmScheduler.from(folder.config("scheduler"));
        SanaLoader.Configs configs = SanaLoader.configs(folder, settings);
        return load(folder, settings, backend, (ctx, parts) -> new SanaSprintPipeline(ctx, configs, parts.text(),
                parts.transformer(), parts.vae(), scm));
    }

    /**
     * Opens a base Sana pipeline, with an extra component (a ControlNet) loaded into the same
     * {@link Components} after the shared ones, and the conditioning that uses it.
     *
     * @param extra loads the extra component into the {@link Components} (after the shared ones; its config
     *              should be validated before this is called) and returns its conditioning, or null
     */
    public static Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend,
                                Function<Components, SanaConditioning<?>> extra) {
        FlowMatchEulerScheduler scheduler = new FlowMatchEulerScheduler(
                FlowMatchEulerScheduler.FlowMatchEulerConfig.from(folder.config("scheduler")));
        SanaLoader.Configs configs = SanaLoader.configs(folder, settings);
        if (configs.transformer().guidanceEmbeds()) {
            throw new UnsupportedModelException("a SanaPipeline needs a transformer without a guidance embedder (guidance_embeds"
                    + " is true in " + folder.root() + ": this is a SANA-Sprint transformer)");
        }
        return load(folder, settings, backend, (ctx, parts) -> new SanaPipeline(ctx, configs, parts.text(), parts.transformer(),
                parts.vae(), scheduler, extra == null ? null : extra.apply(ctx.components())));
    }

    /** The shared parts, loaded in this order. */
    private record Parts(Component<SanaTextEncoder> text, Component<SanaTransformer2DModel> transformer,
                         Component<AutoencoderDC> vae) {}

    private interface Assembly {
        Pipeline build(PipelineContext ctx, Parts parts);
    }

    /** Loads the shared parts into one {@link Components}, builds the pipeline; on failure releases what was loaded. */
    private static Pipeline load(ModelFolder folder, PipelineSettings settings, TensorBackend backend, Assembly assembly) {
        Components components = Components.of(settings, backend);
        try {
            Parts parts = new Parts(SanaLoader.textEncoder(components, folder, settings, backend),
                    SanaLoader.transformer(components, folder, settings, backend), SanaLoader.vae(components, folder, settings, backend));
            return assembly.build(new PipelineContext(settings.model(), folder, settings, backend, components), parts);
        } catch (RuntimeException e) {
            throw components.closeAfter(e);
        } catch (Error e) {
            throw components.closeAfter(e);
        }
    }
}
