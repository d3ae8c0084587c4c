package dev.sprint.core.taesd;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link AutoencoderTinyParityTest} on the float64 reference backend. */
class AutoencoderTinyReferenceParityTest extends AutoencoderTinyParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
