package dev.sprint.swd.mmdit;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link SD3TransformerParityTest} on the pure-Java float64 reference backend. */
class SD3TransformerReferenceParityTest extends SD3TransformerParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
