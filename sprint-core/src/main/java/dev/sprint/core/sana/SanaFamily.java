package dev.sprint.core.sana;

import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineOption;
import dev.sprint.api.PipelineSettings;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.pipeline.Components;
import dev.sprint.core.pipeline.PipelineContext;
import dev.sprint.core.sched.FlowMatchEulerScheduler;
import dev.sprint.core.spi.ModelFamily;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Set;

/**
 * Opens base Sana folders ({@code SanaPipeline}): flow-matching Euler with classifier-free guidance. A
 * ControlNet on top is sprint-controlnet's family (it outranks this one when a ControlNet is set).
 */
public final class SanaFamily implements ModelFamily {
    @Override
    public String name() {
        return "sana";
    }

    @Override
    public Set<Class<? extends PipelineOption>> pipelineOptions() {
        return Set.of(ComponentSource.class);
    }

    @Override
    public boolean accepts(ModelFolder folder, PipelineSettings settings) {
        return folder.pipelineClass().equals("SanaPipeline");
    }

    @Override
    public Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        return open(folder, settings, backend, null, null);
    }

    /**
     * Opens a base Sana pipeline, with an extra component (a ControlNet) loaded into the same
     * {@link Components} after the shared ones, and the conditioning that uses it.
     *
     * @param extra        loads the extra component into {@code parts} and returns its conditioning, or null
     * @param schedulerDir folder whose scheduler/ to use, or null for the model folder's
     */
    public static Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend,
                                java.util.function.Function<Components, SanaConditioning<?>> extra, ModelFolder schedulerDir) {
        ModelFolder sf = schedulerDir != null ? schedulerDir : folder;
        FlowMatchEulerScheduler scheduler = new FlowMatchEulerScheduler(
                FlowMatchEulerScheduler.FlowMatchEulerConfig.from(sf.config("scheduler")));
        Components parts = new Components();
        try {
            Component<SanaTextEncoder> text = SanaLoader.textEncoder(parts, folder, settings, backend);
            Component<SanaTransformer2DModel> transformer = SanaLoader.transformer(parts, folder, backend);
            Component<AutoencoderDC> vae = SanaLoader.vae(parts, folder, settings, backend);
            SanaConditioning<?> conditioning = extra == null ? null : extra.apply(parts);
            return new SanaPipeline(new PipelineContext(settings.model(), folder, settings, backend, parts), text,
                    transformer, vae, scheduler, conditioning);
        } catch (RuntimeException e) {
            throw parts.closeAfter(e);
        } catch (Error e) {
            throw parts.closeAfter(e);
        }
    }
}
