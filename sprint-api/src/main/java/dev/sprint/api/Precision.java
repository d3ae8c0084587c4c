package dev.sprint.api;

/** Floating-point type the models compute in. CPU always computes in {@link #FLOAT32}. */
public enum Precision {
    /** float32 on CPU, float16 on CUDA. */
    AUTO,
    FLOAT32,
    FLOAT16
}
