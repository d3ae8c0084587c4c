package dev.sprint.core.tensor;

/** Elementwise functions of {@link TensorBackend#unary}; each matches the PyTorch function of the same name. */
public enum UnaryOp {
    NEG, ABS, EXP, LOG, SQRT, RSQRT, SQUARE, TANH, SIGMOID, SIN, COS, ERF,
    RELU,
    /** x·sigmoid(x). */
    SILU,
    /** 0.5·x·(1+erf(x/√2)), PyTorch's default GELU. */
    GELU,
    /** 0.5·x·(1+tanh(√(2/π)(x+0.044715x³))), GELU(approximate="tanh"). */
    GELU_TANH,
    /** x·sigmoid(1.702x), CLIP's quick_gelu. */
    QUICK_GELU
}
