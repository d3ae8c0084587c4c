package dev.sprint.core.sana;

import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.gemma.Gemma2Model;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.ModelFolder;
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
    public boolean accepts(ModelFolder folder, PipelineSettings settings) {
        return settings.controlNet() == null && CLASSES.contains(folder.pipelineClass());
    }

    @Override
    public Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        String scheduler = folder.config("scheduler").getString("_class_name");
        if (!scheduler.equals("SCMScheduler")) {
            throw new UnsupportedModelException("SANA-Sprint folder " + folder.root() + " names scheduler " + scheduler
                    + "; only SCMScheduler (TrigFlow sCM) is supported for this pipeline");
        }
        ScmScheduler scm = ScmScheduler.from(folder.config("scheduler"));
        SanaTextEncoder text = SanaTextEncoder.load(folder, backend);
        SanaTransformer2DModel transformer = SanaTransformer2DModel.load(folder.component("transformer"), backend);
        AutoencoderDC vae = AutoencoderDC.load(folder.component("vae"), backend);
        return new SanaSprintPipeline(settings.model(), folder, backend, text, transformer, vae, scm, settings.defaults());
    }
}
