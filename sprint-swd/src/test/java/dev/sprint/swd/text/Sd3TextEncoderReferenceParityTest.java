package dev.sprint.swd.text;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link Sd3TextEncoderParityTest} on the pure-Java float64 reference backend. */
class Sd3TextEncoderReferenceParityTest extends Sd3TextEncoderParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
