package dev.sprint.swd;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.SwdSpec;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.hub.ModelLocator;
import dev.sprint.core.io.Closeables;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.spi.ModelFamily;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.lora.LoraMergedSource;
import dev.sprint.swd.mmdit.SD3Transformer2DModel;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.text.Sd3TextEncoder;
import dev.sprint.swd.vae.AutoencoderKL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens diffusers {@code StableDiffusion3Pipeline} folders (SD3.5 Medium / Large), with the SwD adapter
 * and table when the builder has {@link dev.sprint.api.Pipeline.Builder#swd SwD settings}.
 */
public final class Sd3Family implements ModelFamily {
    private static final Logger LOG = LoggerFactory.getLogger(Sd3Family.class);

    @Override
    public String name() {
        return "sd3";
    }

    @Override
    public Set<String> extensionKeys() {
        return Set.of(Pipeline.Builder.SWD_KEY);
    }

    @Override
    public boolean accepts(ModelFolder folder, PipelineSettings settings) {
        return settings.controlNet() == null && folder.pipelineClass().equals("StableDiffusion3Pipeline");
    }

    @Override
    public Pipeline open(ModelFolder folder, PipelineSettings settings, TensorBackend backend) {
        Config sched = folder.config("scheduler");
        String schedClass = sched.getString("_class_name");
        if (!schedClass.equals("FlowMatchEulerDiscreteScheduler")) {
            throw new UnsupportedModelException("SD3 folder " + folder.root() + " names scheduler " + schedClass
                    + "; only FlowMatchEulerDiscreteScheduler is supported");
        }
        if (sched.getBoolean("use_dynamic_shifting", false)) {
            throw new UnsupportedModelException("dynamic shifting (" + sched.origin() + ") is not supported; SD3.5 uses a static shift");
        }
        double shift = sched.getDouble("shift", 1.0);
        int trainSteps = sched.getInt("num_train_timesteps", 1000);
        Object ext = settings.extensions().get(Pipeline.Builder.SWD_KEY);
        if (ext != null && !(ext instanceof SwdSpec)) {
            throw new InvalidRequestException("the 'swd' setting must be an SwdSpec (SwdPreset or SwdConfig), got " + ext.getClass().getName());
        }
        SwdSpec spec = (SwdSpec) ext;
        List<AutoCloseable> owned = new ArrayList<>();
        try {
            Path trDir = folder.component("transformer");
            String weightsLabel = null;
            SD3Transformer2DModel transformer;
            if (spec != null && spec.weights() != null) {
                Path adapter = adapterFolder(spec.weights());
                weightsLabel = spec.weights();
                WeightSource base = Checkpoints.open(trDir);
                WeightSource merged;
                try {
                    merged = LoraMergedSource.open(base, adapter);
                } catch (RuntimeException e) {
                    base.close();
                    throw e;
                }
                transformer = SD3Transformer2DModel.load(trDir, merged, backend);
            } else {
                transformer = SD3Transformer2DModel.load(trDir, backend);
            }
            owned.add(transformer);
            ScaleSchedule table = null;
            if (spec != null) {
                table = new ScaleSchedule(spec.name().toLowerCase(java.util.Locale.ROOT), spec.scales(), spec.sigmas())
                        .requireMultipleOf(transformer.config().patchSize());
                LOG.info("SwD table {}: scales {} sigmas {}", table.name(), spec.scales().stream().map(s -> s[0] + "x" + s[1]).toList(),
                        java.util.Arrays.toString(spec.sigmas()));
            }
            AutoencoderKL vae = AutoencoderKL.load(folder.component("vae"), backend);
            owned.add(vae);
            Sd3TextEncoder text = Sd3TextEncoder.load(folder, backend, transformer.config().jointAttentionDim());
            owned.add(text);
            return new StableDiffusion3Pipeline(settings.model(), folder, backend, text, transformer, vae, table, weightsLabel,
                    shift, trainSteps, settings.defaults());
        } catch (RuntimeException e) {
            throw Closeables.closeAfter(e, owned);
        }
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
