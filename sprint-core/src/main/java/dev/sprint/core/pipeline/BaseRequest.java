package dev.sprint.core.pipeline;

import dev.sprint.api.OutputType;
import java.util.List;

/**
 * The fields every family resolves the same way (in {@link DiffusionPipeline}): prompts, images per
 * prompt, output size and the size the model renders at (binning), seed(s), output type.
 *
 * @param prompts         the prompts as given
 * @param imagesPerPrompt images per prompt
 * @param width           output width
 * @param height          output height
 * @param genWidth        width the model renders at (the binned size, or the output size)
 * @param genHeight       height the model renders at
 * @param seed            seed of the call's generator
 * @param seeds           one seed per image, or null
 * @param output          images or latents
 */
public record BaseRequest(List<String> prompts, int imagesPerPrompt, int width, int height, int genWidth, int genHeight,
                          long seed, List<Long> seeds, OutputType output) {
    public BaseRequest {
        prompts = List.copyOf(prompts);
        seeds = seeds == null ? null : List.copyOf(seeds);
    }

    /** Images of the call: prompts × images per prompt. */
    public int batch() {
        return prompts.size() * imagesPerPrompt;
    }

    /** The prompt of image {@code i} (each prompt's images are consecutive). */
    public String prompt(int i) {
        return prompts.get(i / imagesPerPrompt);
    }

    /** One entry per image: each prompt repeated {@code imagesPerPrompt} times. */
    public List<String> promptPerImage() {
        List<String> out = new java.util.ArrayList<>(batch());
        for (String p : prompts) for (int i = 0; i < imagesPerPrompt; i++) out.add(p);
        return out;
    }

    /** Whether the model renders at another size than the output (binning). */
    public boolean binned() {
        return genWidth != width || genHeight != height;
    }
}
