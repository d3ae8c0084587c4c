package dev.sprint.core.spi;

import dev.sprint.api.BackendUnavailableException;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineOption;
import dev.sprint.api.MemoryMode;
import dev.sprint.api.VaeTiling;
import dev.sprint.core.pipeline.DiffusionPipeline;
import dev.sprint.core.plan.MemoryBudget;
import dev.sprint.core.plan.MemoryPlan;
import dev.sprint.core.plan.MetaBackend;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.SprintException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.api.spi.Backend;
import dev.sprint.api.spi.BackendProvider;
import dev.sprint.api.spi.Backends;
import dev.sprint.api.spi.PipelineFactory;
import dev.sprint.core.hub.ModelLocator;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.pipeline.OutputCheck;
import dev.sprint.core.pipeline.PreviewDecoder;
import dev.sprint.core.pipeline.RequestLimits;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
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
            "SanaPipeline", "dev.sprint:sprint-core",
            "SanaSprintPipeline", "dev.sprint:sprint-core",
            "SanaSprintImg2ImgPipeline", "dev.sprint:sprint-core");

    /** Options every pipeline reads (they configure the shared skeleton). */
    private static final Set<Class<? extends PipelineOption>> COMMON = Set.of(RequestLimits.class, OutputCheck.class,
            MemoryMode.class, VaeTiling.class, MemoryPlan.class, MemoryBudget.class, PreviewDecoder.class);

    @Override
    public Pipeline open(PipelineSettings settings) {
        try {
            return openChecked(settings);
        } catch (SprintException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ModelLoadException("cannot open " + settings.model() + ": " + e, e);
        }
    }

    private Pipeline openChecked(PipelineSettings settings) {
        ModelFolder folder = ModelFolder.open(ModelLocator.resolve(settings.model()));
        ModelFamily family = family(folder, settings);
        BackendProvider provider = Backends.select(settings.backend());
        Backend opened = provider.open(settings.backendOptions());
        if (!(opened instanceof TensorBackend backend)) {
            opened.close();
            throw new BackendUnavailableException("backend '" + provider.name() + "' does not implement Sprint's tensor API");
        }
        return open(family, folder, settings, backend);
    }

    /**
     * Opens a pipeline on a backend the caller opened (embedders that manage backends themselves, tests): the
     * same folder resolution, family selection and option checks as {@link #open(PipelineSettings)}. The
     * backend is owned by the returned pipeline, and closed here if opening fails.
     */
    public static Pipeline open(PipelineSettings settings, TensorBackend backend) {
        try {
            ModelFolder folder = ModelFolder.open(ModelLocator.resolve(settings.model()));
            return open(family(folder, settings), folder, settings, backend);
        } catch (SprintException e) {
            backend.close();
            throw e;
        } catch (RuntimeException e) {
            backend.close();
            throw new ModelLoadException("cannot open " + settings.model() + ": " + e, e);
        }
    }

    private static Pipeline open(ModelFamily family, ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        LOG.info("opening {} with family {} on {} ({})", folder.root(), family.name(), backend.name(), backend.device());
        MemoryPlan plan = null;
        try {
            plan = plan(family, folder, settings, backend);
            Pipeline p = family.open(folder, withPlan(settings, plan), backend);
            if (p instanceof DiffusionPipeline<?> d && d.memoryPlan() == plan) plan = null; // owned by the pipeline now
            return p;
        } catch (RuntimeException | Error e) {
            backend.close();
            throw e;
        } finally {
            if (plan != null) plan.close();
        }
    }

    /**
     * The memory plan: the family opened on a {@link MetaBackend} (every component built from its headers, nothing
     * computed) gives each component's bytes and, run on the default request, each stage's peak; with the process's
     * budget that decides resident or low-memory mode.
     */
    private static MemoryPlan plan(ModelFamily family, ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        MemoryMode asked = settings.option(MemoryMode.class).orElse(MemoryMode.AUTO);
        VaeTiling tiling = settings.option(VaeTiling.class).orElse(VaeTiling.AUTO);
        PipelineSettings twin = new PipelineSettings(settings.model(), settings.backend(), settings.backendOptions(),
                settings.defaults(), settings.options().stream()
                .filter(o -> !(o instanceof MemoryMode) && !(o instanceof MemoryPlan) && !(o instanceof VaeTiling)
                        && !(o instanceof MemoryBudget)).toList());
        long t = System.nanoTime();
        MemoryPlan plan = MemoryPlan.open(meta -> family.open(folder, twin, meta),
                p -> ((DiffusionPipeline<?>) p).components(), settings.option(MemoryBudget.class).orElseGet(MemoryBudget::detect), backend.weightsInDirectMemory(), backend.isEager(),
                asked, tiling, settings.defaults(), backend.floatType());
        LOG.debug("memory plan in {} ms: {} mode, weights {}", (System.nanoTime() - t) / 1_000_000, plan.mode(), plan.describeWeights());
        return plan;
    }

    /** The settings the family opens with: the plan, and the mode it chose (RESIDENT or LOW) for its components. */
    private static PipelineSettings withPlan(PipelineSettings s, MemoryPlan plan) {
        List<PipelineOption> options = new ArrayList<>();
        for (PipelineOption o : s.options()) if (!(o instanceof MemoryMode) && !(o instanceof MemoryPlan)) options.add(o);
        options.add(plan.mode());
        options.add(plan);
        return new PipelineSettings(s.model(), s.backend(), s.backendOptions(), s.defaults(), options);
    }

    /** The family that opens the folder with these settings; every option set must be one it reads. */
    private static ModelFamily family(ModelFolder folder, PipelineSettings settings) {
        Path dir = folder.root();
        List<ModelFamily> families = families();
        ModelFamily family = families.stream().filter(f -> f.accepts(folder, settings)).findFirst().orElseThrow(() -> {
            String cls = folder.pipelineClass();
            String hint = MODULE_HINTS.get(cls);
            return new UnsupportedModelException("no Sprint module on the class path opens a " + cls + " folder ("
                    + dir + ")" + (settings.options().isEmpty() ? "" : " with " + names(settings.options()))
                    + (hint != null ? "; add " + hint : "; supported: " + MODULE_HINTS.keySet())
                    + " (families found: " + families.stream().map(ModelFamily::name).toList() + ")");
        });
        for (PipelineOption o : settings.options()) {
            boolean read = COMMON.stream().anyMatch(t -> t.isInstance(o))
                    || family.pipelineOptions().stream().anyMatch(t -> t.isInstance(o));
            if (!read) {
                throw new InvalidRequestException("the option " + o.type().getSimpleName() + " does not apply to " + dir + " (a "
                        + folder.pipelineClass() + " folder, opened by the " + family.name() + " family)"
                        + (o.requirement() == null ? "" : "; it needs " + o.requirement()));
            }
        }
        return family;
    }

    private static List<String> names(List<PipelineOption> options) {
        return options.stream().map(o -> o.type().getSimpleName()).toList();
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
