package dev.sprint.core.nn;

import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.UnaryOp;
import java.util.Locale;

/** Activation functions by their diffusers / transformers config names. */
public enum Activation {
    IDENTITY(null), RELU(UnaryOp.RELU), SILU(UnaryOp.SILU), GELU(UnaryOp.GELU), GELU_TANH(UnaryOp.GELU_TANH),
    QUICK_GELU(UnaryOp.QUICK_GELU), SIGMOID(UnaryOp.SIGMOID), TANH(UnaryOp.TANH);

    private final UnaryOp op;

    Activation(UnaryOp op) {
        this.op = op;
    }

    public Tensor apply(Tensor x) {
        return op == null ? x : x.backend().unary(x, op);
    }

    /** {@link #apply} to a dead activation, which an eager backend may overwrite (see {@code TensorBackend.addInPlace}). */
    public Tensor applyInPlace(Tensor x) {
        return op == null ? x : x.backend().unaryInPlace(x, op);
    }

    /** Parses "silu", "swish", "relu", "gelu", "gelu_pytorch_tanh", "gelu_new", "quick_gelu", ... ; null → identity. */
    public static Activation of(String name) {
        return of(name, "the config");
    }

    /** Like {@link #of(String)}; an unknown name is an {@link UnsupportedModelException} naming {@code origin}. */
    public static Activation of(String name, String origin) {
        if (name == null) return IDENTITY;
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "relu" -> RELU;
            case "silu", "swish" -> SILU;
            case "gelu" -> GELU;
            case "gelu_pytorch_tanh", "gelu_new", "gelu-approximate", "gelu_tanh" -> GELU_TANH;
            case "quick_gelu" -> QUICK_GELU;
            case "sigmoid" -> SIGMOID;
            case "tanh" -> TANH;
            case "identity", "none", "linear" -> IDENTITY;
            default -> throw new UnsupportedModelException("activation '" + name + "' in " + origin + " is not supported");
        };
    }
}
