package dev.sprint.swd.sampler;

import java.nio.file.Path;
import java.util.List;

/**
 * SwD settings from parts: the adapter (a folder or Hugging Face repo id, or null when the transformer
 * already contains the SwD weights) and a scale table — a preset's or a custom one.
 * <pre>{@code
 * Pipeline.builder().model(sd35).with(SwdConfig.of(adapterDir, ScaleSchedule.parse("32,48,64,80,96,128",
 *         "1.0,0.9454,0.8959,0.7904,0.7371,0.6022,0")))
 * }</pre>
 *
 * @param weights  adapter folder or repo id, or null
 * @param schedule the scales and sigmas
 */
public record SwdConfig(String weights, ScaleSchedule schedule) implements SwdSpec {
    public SwdConfig {
        if (schedule == null) throw new dev.sprint.api.InvalidRequestException("the SwD schedule is null");
    }

    /** A local adapter folder with a table. */
    public static SwdConfig of(Path adapterFolder, ScaleSchedule schedule) {
        return new SwdConfig(adapterFolder == null ? null : adapterFolder.toString(), schedule);
    }

    @Override
    public String name() {
        return schedule.name();
    }

    @Override
    public List<int[]> scales() {
        return schedule.scales();
    }

    @Override
    public float[] sigmas() {
        return schedule.sigmas();
    }
}
