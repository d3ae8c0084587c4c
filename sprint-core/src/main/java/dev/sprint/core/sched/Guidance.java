package dev.sprint.core.sched;

import dev.sprint.core.tensor.Tensor;
import java.util.List;

/**
 * Classifier-free guidance: the model runs once on a batch stacked {@code [uncond; cond]} and the two
 * halves are combined as {@code u + g·(c − u)} (diffusers' {@code noise_pred_uncond + guidance_scale ·
 * (noise_pred_text − noise_pred_uncond)}). CFG is on when {@code g > 1}, as in diffusers'
 * {@code do_classifier_free_guidance}.
 */
public final class Guidance {
    private Guidance() {}

    /** Whether a guidance scale turns classifier-free guidance on. */
    public static boolean enabled(double scale) {
        return scale > 1.0;
    }

    /**
     * {@code u + g·(c − u)} of a batch stacked {@code [uncond; cond]} (2B rows → B rows), in the latents' type: the
     * difference of two bf16 predictions scaled by g would amplify their rounding (diffusers' Sana pipelines take
     * {@code noise_pred.float()} first).
     */
    public static Tensor combine(Tensor stacked, double scale) {
        stacked = stacked.to(stacked.backend().latentType());
        List<Tensor> halves = stacked.backend().chunk(stacked, 2, 0);
        Tensor u = halves.get(0);
        return u.add(halves.get(1).sub(u).mul(scale));
    }

    /** {@code [x; x]}: the latents for both halves of a guided batch. */
    public static Tensor doubled(Tensor latents) {
        return latents.backend().concat(List.of(latents, latents), 0);
    }

    /** {@code [a; b]} of two host arrays (timesteps of a guided batch). */
    public static float[] doubled(float[] t) {
        float[] out = new float[2 * t.length];
        System.arraycopy(t, 0, out, 0, t.length);
        System.arraycopy(t, 0, out, t.length, t.length);
        return out;
    }

    /** A denoiser with CFG around a model that predicts for a doubled batch; the identity when off. */
    public static Denoiser around(Denoiser model, double scale) {
        if (!enabled(scale)) return model;
        return (x, t, i) -> combine(model.velocity(doubled(x), doubled(t), i), scale);
    }
}
