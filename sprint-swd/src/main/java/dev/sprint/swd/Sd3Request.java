package dev.sprint.swd;

import dev.sprint.core.pipeline.BaseRequest;
import dev.sprint.swd.sampler.ScaleSchedule;
import java.util.List;

/**
 * A resolved SD3.5 request: the shared fields plus what SD3.5 adds.
 *
 * @param base              the shared fields (prompts, size, seeds, output)
 * @param negatives         one negative prompt per image, or null without CFG
 * @param table             SwD: the (possibly rescaled) table; null for plain Euler
 * @param steps             sampler steps
 * @param guidance          CFG scale (CFG only when > 1)
 * @param maxSequenceLength T5 tokens
 */
record Sd3Request(BaseRequest base, List<String> negatives, ScaleSchedule table, int steps, double guidance,
                  int maxSequenceLength) {
    /** diffusers' StableDiffusion3Pipeline defaults. */
    static final int DEFAULT_STEPS = 28;
    static final double DEFAULT_GUIDANCE = 7.0;
    /** SwD runs without CFG (the released READMEs pass 1.0 or 0.0) and with T5 length 512 (SD3.5-L README). */
    static final double SWD_GUIDANCE = 1.0;
    static final int SWD_MAX_SEQUENCE_LENGTH = 512;

    boolean guided() {
        return negatives != null;
    }
}
