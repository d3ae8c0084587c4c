package dev.sprint.core.tensor;

/** Interpolation of {@link TensorBackend#interpolate}, with PyTorch's {@code F.interpolate} semantics (no antialiasing). */
public enum ResizeMode {
    /** PyTorch "nearest": source index floor(dst·in/out). */
    NEAREST,
    /** PyTorch "nearest-exact": source index floor((dst+0.5)·in/out). */
    NEAREST_EXACT,
    /** Bilinear, half-pixel centres unless alignCorners, source coordinate clamped at 0. */
    BILINEAR,
    /** Bicubic with a = −0.75, border-replicated, half-pixel centres unless alignCorners. */
    BICUBIC
}
