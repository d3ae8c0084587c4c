package dev.sprint.api;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How an image was made: enough to reproduce it. Written into PNG files as text chunks
 * ({@code sprint:model}, {@code sprint:seed}, ...).
 *
 * @param model     model folder or repo id
 * @param pipeline  the checkpoint's pipeline class (e.g. SanaSprintPipeline)
 * @param backend   backend name and device, e.g. "djl (cpu)"
 * @param prompt    the prompt of this image
 * @param seed      seed of the generator that drew this call's noise
 * @param steps     sampler steps
 * @param width     image width
 * @param height    image height
 * @param extras    anything else worth keeping (guidance, timesteps, strength, ...)
 */
public record Provenance(String model, String pipeline, String backend, String prompt, long seed, int steps,
                         int width, int height, Map<String, String> extras) {
    public Provenance {
        extras = extras == null ? Map.of() : Map.copyOf(extras);
    }

    /** All fields as ordered key/value text, as written into PNG files. */
    public Map<String, String> asText() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("sprint:model", model);
        m.put("sprint:pipeline", pipeline);
        m.put("sprint:backend", backend);
        m.put("sprint:prompt", prompt);
        m.put("sprint:seed", Long.toString(seed));
        m.put("sprint:steps", Integer.toString(steps));
        m.put("sprint:size", width + "x" + height);
        extras.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> m.put("sprint:" + e.getKey(), e.getValue()));
        return m;
    }
}
