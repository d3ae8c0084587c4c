package dev.sprint.api;

/**
 * Floating-point type the models compute in, chosen once when a pipeline opens. Whatever the choice, the
 * numerically delicate parts stay in float32 as the reference keeps them: noise, latents and the scheduler's
 * arithmetic, norms' statistics and softmax.
 */
public enum Precision {
    /**
     * The fastest type the reference allows on this hardware: on the {@code libtorch} backend bfloat16 on CPUs with
     * AMX-BF16 or AVX512-BF16 and on CUDA GPUs, float32 on other CPUs; float16 on CUDA for the other backends.
     * {@code describe()} and {@code ./sprint diagnostics} say what was chosen and why.
     */
    AUTO,
    FLOAT32,
    FLOAT16,
    /**
     * bfloat16 weights and matmuls/convolutions (the released checkpoints' own dtype; weights are held without a
     * float32 copy). Only the {@code libtorch} backend ({@code dev.sprint:sprint-backend-libtorch}) computes it;
     * other backends refuse it with a {@link BackendUnavailableException}.
     */
    BFLOAT16
}
