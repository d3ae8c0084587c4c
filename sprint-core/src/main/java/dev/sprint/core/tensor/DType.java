package dev.sprint.core.tensor;

/** Element types of tensors and checkpoint data. Sizes in bytes. */
public enum DType {
    F64(8), F32(4), F16(2), BF16(2), I64(8), I32(4), I16(2), I8(1), U8(1), BOOL(1);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    public boolean isFloating() {
        return this == F64 || this == F32 || this == F16 || this == BF16;
    }

    /**
     * {@code torch.finfo(dtype).min} as a float: the additive mask value transformers uses for this compute type (the
     * float32 minimum would round to -inf in bfloat16).
     */
    public float lowest() {
        return switch (this) {
            case F16 -> -65504f;
            case BF16 -> -3.3895313892515355e38f;
            default -> -Float.MAX_VALUE;
        };
    }

    /** Parses a safetensors dtype name ("F32", "BF16", ...); null if unknown. */
    public static DType fromSafetensors(String name) {
        return switch (name) {
            case "F64" -> F64;
            case "F32" -> F32;
            case "F16" -> F16;
            case "BF16" -> BF16;
            case "I64" -> I64;
            case "I32" -> I32;
            case "I16" -> I16;
            case "I8" -> I8;
            case "U8" -> U8;
            case "BOOL" -> BOOL;
            default -> null;
        };
    }
}
