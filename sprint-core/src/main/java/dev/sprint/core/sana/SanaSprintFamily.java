package dev.sprint.core.sana;

import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineOption;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.pipeline.Components;
import dev.sprint.core.pipeline.PipelineContext;
import dev.sprint.core.sched.ScmScheduler;
import dev.sprint.core.spi.ModelFamily;
import dev.sprint.core.tensor.TensorBackend;
import java.util.Set;

/** Opens SANA-Sprint diffusers folders ({@code SanaSprintPipeline}, {@code SanaSprintImg2ImgPipeline}). */
public final class SanaSprintFamily implements ModelFamily {
    private static final Set<String> CLASSES = Set.of("SanaSprintPipeline", "SanaSprintImg2ImgPipeline");

    @Override
    public String name() {
        return "sana-sprint";
    }

    @Override
    public Set<Class<? extends PipelineOption>> pipelineOptions() {
        return Set.of(ComponentSource.class);
    }

    @Override
    public boolean accepts(ModelFolder folder, PipelineSettings settings) {
        return CLASSES.contains(folder.pipelineClass());
    }

    @Override
    public Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        String scheduler = folder.config("scheduler").getString("_class_name");
        if (!scheduler.equals("SCMScheduler")) {
            throw new UnsupportedModelException("SANA-Sprint folder " + folder.root() + " names scheduler " + scheduler
                    + "; only SCMScheduler (TrigFlow sCM) is supported for this pipeline");
        }
        ScmScheduler scm = ScmScheduler.from(folder.config("scheduler"));
        Components parts = new Components();
        try {
            Component<SanaTextEncoder> text = SanaLoader.textEncoder(parts, folder, settings, backend);
            Component<SanaTransformer2DModel> transformer = SanaLoader.transformer(parts, folder, backend);
            Component<AutoencoderDC> vae = SanaLoader.vae(parts, folder, settings, backend);
            return new SanaSprintPipeline(new PipelineContext(settings.model(), folder, settings, backend, parts), text,
                    transformer, vae, scm);
        } catch (RuntimeException e) {
            throw parts.closeAfter(e);
        } catch (Error e) {
            throw parts.closeAfter(e);
        }
    }
}
