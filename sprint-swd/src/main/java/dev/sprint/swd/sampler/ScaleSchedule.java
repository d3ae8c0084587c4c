package dev.sprint.swd.sampler;

import dev.sprint.api.InvalidRequestException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A scale-wise distillation table: the latent size (height × width) of each step and the n+1 noise
 * levels σ (strictly decreasing, ending in 0). The released tables are square ({@code scales[i]} used for
 * both sides); a non-square size is written "HxW" and runs through the same loop (the generalisation the
 * authors' code allows: {@code F.interpolate(size=(h, w))}).
 *
 * @param name   a label for logs and provenance
 * @param scales latent {height, width} per step
 * @param sigmas n+1 noise levels
 */
public record ScaleSchedule(String name, List<int[]> scales, float[] sigmas) {
    public ScaleSchedule {
        scales = List.copyOf(scales);
        sigmas = sigmas.clone();
        if (scales.isEmpty()) throw new InvalidRequestException("a scale table needs at least one scale");
        if (sigmas.length != scales.size() + 1) {
            throw new InvalidRequestException("scale table '" + name + "': " + scales.size() + " scales need "
                    + (scales.size() + 1) + " sigmas (the last 0), got " + sigmas.length);
        }
        for (int[] s : scales) {
            if (s.length != 2 || s[0] <= 0 || s[1] <= 0) {
                throw new InvalidRequestException("scale table '" + name + "': scale " + Arrays.toString(s) + " is not a positive HxW");
            }
        }
        for (int i = 0; i < sigmas.length; i++) {
            if (!(sigmas[i] >= 0 && sigmas[i] <= 1)) {
                throw new InvalidRequestException("scale table '" + name + "': sigma " + sigmas[i] + " is outside [0, 1]");
            }
            if (i > 0 && !(sigmas[i] < sigmas[i - 1])) {
                throw new InvalidRequestException("scale table '" + name + "': sigmas must decrease strictly: " + Arrays.toString(sigmas));
            }
        }
        if (sigmas[sigmas.length - 1] != 0f) {
            throw new InvalidRequestException("scale table '" + name + "': sigmas must end in 0: " + Arrays.toString(sigmas));
        }
    }

    public int steps() {
        return scales.size();
    }

    /** The last (output) latent size {h, w}. */
    public int[] finalScale() {
        return scales.get(scales.size() - 1).clone();
    }

    /**
     * The same table for another final latent size (h, w): every scale keeps its ratio to the final
     * scale per axis, rounded to a multiple of {@code multiple} (the patch size), at least one multiple —
     * e.g. the 4-step table 64, 80, 96, 128 for 1024×768 px gives 64×48, 80×60, 96×72, 128×96. A documented
     * generalisation: the authors' code only passes the square tables it was trained with. Sigmas unchanged.
     */
    public ScaleSchedule rescaledTo(int finalHeight, int finalWidth, int multiple) {
        int[] last = finalScale();
        if (last[0] == finalHeight && last[1] == finalWidth) return this;
        List<int[]> out = new ArrayList<>();
        for (int[] s : scales) {
            int h = Math.max(multiple, Math.round((float) s[0] * finalHeight / last[0] / multiple) * multiple);
            int w = Math.max(multiple, Math.round((float) s[1] * finalWidth / last[1] / multiple) * multiple);
            out.add(new int[] {h, w});
        }
        out.set(out.size() - 1, new int[] {finalHeight, finalWidth});
        return new ScaleSchedule(name + "@" + finalHeight + "x" + finalWidth, out, sigmas);
    }

    /** Checks that every scale is a multiple of the transformer's patch size. */
    public ScaleSchedule requireMultipleOf(int patch) {
        for (int[] s : scales) {
            if (s[0] % patch != 0 || s[1] % patch != 0) {
                throw new InvalidRequestException("scale table '" + name + "': latent size " + s[0] + "x" + s[1]
                        + " is not a multiple of the patch size " + patch);
            }
        }
        return this;
    }

    /**
     * Parses CLI tables: scales "32,48,64" or "8x10,10x12" (latent HxW), sigmas "1.0,0.9454,...,0".
     */
    public static ScaleSchedule parse(String scales, String sigmas) {
        List<int[]> sc = new ArrayList<>();
        for (String s : scales.split(",")) {
            String t = s.trim().toLowerCase(Locale.ROOT);
            try {
                int x = t.indexOf('x');
                sc.add(x < 0 ? new int[] {Integer.parseInt(t), Integer.parseInt(t)}
                        : new int[] {Integer.parseInt(t.substring(0, x)), Integer.parseInt(t.substring(x + 1))});
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("scale '" + s + "' is not N or HxW");
            }
        }
        String[] parts = sigmas.split(",");
        float[] sg = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                sg[i] = Float.parseFloat(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new InvalidRequestException("sigma '" + parts[i] + "' is not a number");
            }
        }
        return new ScaleSchedule("custom", sc, sg);
    }

    /** Square table helper. */
    static ScaleSchedule square(String name, int[] sides, float[] sigmas) {
        List<int[]> sc = new ArrayList<>();
        for (int s : sides) sc.add(new int[] {s, s});
        return new ScaleSchedule(name, sc, sigmas);
    }
}
