package dev.sprint.swd.vae;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link AutoencoderKLParityTest} on the pure-Java float64 reference backend. */
class AutoencoderKLReferenceParityTest extends AutoencoderKLParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
