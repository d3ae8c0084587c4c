package dev.sprint.core.spi;

import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.api.spi.Backend;
import dev.sprint.api.spi.BackendProvider;
import dev.sprint.api.spi.Backends;
import dev.sprint.api.spi.PipelineFactory;
import dev.sprint.core.hub.ModelLocator;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * sprint-core's {@link PipelineFactory}: resolves the model folder, opens the backend and hands both
 * to the first {@link ModelFamily} that accepts the folder.
 */
public final class CorePipelineFactory implements PipelineFactory {
    private static final Logger LOG = LoggerFactory.getLogger(CorePipelineFactory.class);

    /** Which module implements a pipeline class that no family on the class path accepted. */
    private static final Map<String, String> MODULE_HINTS = Map.of(
            "StableDiffusion3Pipeline", "dev.sprint:sprint-swd",
            "SanaControlNetPipeline", "dev.sprint:sprint-controlnet",
            "SanaPipeline", "dev.sprint:sprint-controlnet",
            "SanaSprintPipeline", "dev.sprint:sprint-core",
            "SanaSprintImg2ImgPipeline", "dev.sprint:sprint-core");

    @Override
    public Pipeline open(PipelineSettings settings) {
        Path dir = ModelLocator.resolve(settings.model());
        ModelFolder folder = ModelFolder.open(dir);
        List<ModelFamily> families = families();
        ModelFamily family = families.stream().filter(f -> f.accepts(folder, settings)).findFirst().orElseThrow(() -> {
            String cls = folder.pipelineClass();
            String hint = settings.controlNet() != null ? "dev.sprint:sprint-controlnet" : MODULE_HINTS.get(cls);
            return new UnsupportedModelException("no Sprint module on the class path opens a " + cls + " folder ("
                    + dir + ")" + (settings.controlNet() != null ? " with a ControlNet" : "")
                    + (hint != null ? "; add " + hint : "; supported: " + MODULE_HINTS.keySet())
                    + " (families found: " + families.stream().map(ModelFamily::name).toList() + ")");
        });
        for (String key : settings.extensions().keySet()) {
            if (!family.extensionKeys().contains(key)) {
                throw new InvalidRequestException("the setting '" + key + "' does not apply to " + dir + " (a "
                        + folder.pipelineClass() + " folder, opened by the " + family.name() + " family)"
                        + (key.equals("swd") ? "; SwD needs a StableDiffusion3Pipeline (SD3.5) folder" : ""));
            }
        }
        BackendProvider provider = Backends.select(settings.backend());
        Backend opened = provider.open(settings.backendOptions());
        if (!(opened instanceof TensorBackend backend)) {
            opened.close();
            throw new BackendUnavailableException("backend '" + provider.name() + "' does not implement Sprint's tensor API");
        }
        LOG.info("opening {} with family {} on {} ({})", dir, family.name(), backend.name(), backend.device());
        try {
            return family.open(folder, settings, backend);
        } catch (RuntimeException | Error e) {
            backend.close();
            throw e;
        }
    }

    static List<ModelFamily> families() {
        List<ModelFamily> out = new ArrayList<>();
        ServiceLoader.load(ModelFamily.class, CorePipelineFactory.class.getClassLoader()).forEach(out::add);
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        if (tccl != null) {
            ServiceLoader.load(ModelFamily.class, tccl).forEach(f -> {
                if (out.stream().noneMatch(o -> o.getClass().getName().equals(f.getClass().getName()))) out.add(f);
            });
        }
        out.sort(Comparator.comparingInt(ModelFamily::priority).reversed().thenComparing(ModelFamily::name));
        return out;
    }
}
