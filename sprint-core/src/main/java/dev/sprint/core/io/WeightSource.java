package dev.sprint.core.io;

import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorData;
import java.util.Set;

/**
 * Named checkpoint tensors (one safetensors file, a sharded set, or a view that merges adapters).
 * Data is memory-mapped where possible; {@link #get} does not copy float32 data.
 */
public interface WeightSource extends AutoCloseable {
    /** All tensor names. */
    Set<String> names();

    /** The tensor, or a {@link dev.sprint.api.ModelLoadException} naming the tensor and file(s) if absent. */
    HostTensor get(String name);

    /**
     * The tensor, given the shape the model expects. Checkpoint sources ignore {@code expectedShape}
     * (callers check it); synthetic sources (random weights for benchmarks) use it to create data.
     */
    default HostTensor get(String name, long[] expectedShape) {
        return get(name);
    }

    /**
     * The tensor as {@link TensorData}, which may exceed 2 GiB and is read in ranges (what backends stream
     * weights from). Defaults to {@link #get(String, long[])}.
     */
    default TensorData data(String name, long[] expectedShape) {
        return get(name, expectedShape);
    }

    /** Where a tensor lives (file path), for error messages. */
    String origin(String name);

    /** Unmaps files. Tensors obtained before must not be used afterwards. */
    @Override
    void close();
}
