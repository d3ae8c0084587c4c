package dev.sprint.api.spi;

/**
 * An opened compute backend (one device, one precision). Model code sees it through sprint-core's
 * tensor API; this type is what the SPI hands over. Closing it frees every native resource it owns.
 */
public interface Backend extends AutoCloseable {
    /** Provider name, e.g. "djl" or "onnx". */
    String name();

    /** Device in use, e.g. "cpu" or "cuda:0". */
    String device();

    /**
     * Why the backend computes in the type it does (e.g. "bfloat16: AUTO on a CPU with AMX-BF16"), shown by
     * {@code describe()} and diagnostics; empty when there was no choice to explain.
     */
    default String precisionReason() {
        return "";
    }

    @Override
    void close();
}
