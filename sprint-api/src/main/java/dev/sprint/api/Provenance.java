package dev.sprint.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How an image was made: enough to reproduce it. Written into PNG files as text chunks
 * ({@code sprint:model}, {@code sprint:seed}, ...) and as one {@code parameters} chunk in the format
 * image viewers and galleries read ({@link #parameters()}).
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

    /**
     * The settings as generation-parameters text in the widespread AUTOMATIC1111 layout, as read by image
     * viewers, galleries and model sites: the prompt, a {@code Negative prompt:} line when there is one, then
     * one line of {@code key: value} pairs, e.g.
     * <pre>
     * a red fox in the snow
     * Steps: 2, Sampler: TrigFlow sCM, Guidance: 4.5, Seed: 42, Size: 1024x1024, Model: Sana_Sprint_0.6B_1024px_diffusers
     * </pre>
     * A value holding a comma, colon or line break is written as a JSON string, as that layout does.
     * {@code Seed} is the seed that reproduces this image: its own seed when every image had one, else the call's
     * seed, with {@code Image index} for the second and later images of a batch drawn from one generator.
     * {@code Guidance} is SANA-Sprint's embedded guidance; pipelines with classifier-free guidance write
     * {@code CFG scale}.
     */
    public String parameters() {
        List<String[]> kv = new ArrayList<>();
        kv.add(new String[] {"Steps", Integer.toString(steps)});
        kv.add(new String[] {"Sampler", sampler()});
        String guidance = extras.get("guidance");
        if (guidance != null) kv.add(new String[] {embeddedGuidance() ? "Guidance" : "CFG scale", guidance});
        String imageSeed = extras.get("image_seed");
        kv.add(new String[] {"Seed", imageSeed != null ? imageSeed : Long.toString(seed)});
        kv.add(new String[] {"Size", width + "x" + height});
        kv.add(new String[] {"Model", modelName(model)});
        String index = extras.get("image_index");
        if (imageSeed == null && index != null && !index.equals("0")) kv.add(new String[] {"Image index", index});
        String strength = extras.get("strength");
        if (strength != null) kv.add(new String[] {"Denoising strength", strength});
        String control = extras.get("control_scale");
        if (control != null) kv.add(new String[] {"ControlNet scale", control});
        if (backend != null) kv.add(new String[] {"Backend", backend});
        StringBuilder line = new StringBuilder();
        for (String[] e : kv) {
            if (e[1] == null) continue;
            if (line.length() > 0) line.append(", ");
            line.append(e[0]).append(": ").append(quote(e[1]));
        }
        StringBuilder b = new StringBuilder(prompt == null ? "" : prompt);
        String negative = extras.get("negative_prompt");
        if (negative != null && !negative.isEmpty()) b.append("\nNegative prompt: ").append(negative);
        return b.append('\n').append(line).toString().strip();
    }

    /** The sampler's display name: the family's own {@code sampler} extra, else the one its pipeline class implies. */
    private String sampler() {
        String s = extras.get("sampler");
        if (s != null) {
            return switch (s) {
                case "swd" -> "SwD (scale-wise)";
                case "flow-matching euler" -> "Euler (flow matching)";
                default -> s;
            };
        }
        if (embeddedGuidance()) return "TrigFlow sCM";
        if (pipeline != null && pipeline.startsWith("Sana")) return "Euler (flow matching)";
        return pipeline == null ? "unknown" : pipeline;
    }

    private boolean embeddedGuidance() {
        return pipeline != null && pipeline.startsWith("SanaSprint");
    }

    /** A checkpoint's short name: the last segment of a folder path or repo id. */
    private static String modelName(String model) {
        if (model == null) return null;
        String m = model.strip();
        while (m.length() > 1 && (m.endsWith("/") || m.endsWith("\\"))) m = m.substring(0, m.length() - 1);
        int cut = Math.max(m.lastIndexOf('/'), m.lastIndexOf('\\'));
        return cut >= 0 && cut < m.length() - 1 ? m.substring(cut + 1) : m;
    }

    /** As the AUTOMATIC1111 layout quotes values: JSON string when it holds a comma, colon or line break. */
    private static String quote(String v) {
        if (v.indexOf(',') < 0 && v.indexOf(':') < 0 && v.indexOf('\n') < 0) return v;
        return dev.sprint.api.spi.JsonText.appendQuoted(new StringBuilder(), v).toString();
    }
}
