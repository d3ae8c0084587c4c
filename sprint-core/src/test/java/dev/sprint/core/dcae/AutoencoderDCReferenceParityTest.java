package dev.sprint.core.dcae;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link AutoencoderDCParityTest} on the float64 reference backend. */
class AutoencoderDCReferenceParityTest extends AutoencoderDCParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
