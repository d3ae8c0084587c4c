package dev.sprint.core.sana;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link SanaTransformerParityTest} on the float64 reference backend. */
class SanaTransformerReferenceParityTest extends SanaTransformerParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
