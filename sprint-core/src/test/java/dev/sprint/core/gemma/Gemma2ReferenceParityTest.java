package dev.sprint.core.gemma;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link Gemma2ParityTest} on the float64 reference backend. */
class Gemma2ReferenceParityTest extends Gemma2ParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
