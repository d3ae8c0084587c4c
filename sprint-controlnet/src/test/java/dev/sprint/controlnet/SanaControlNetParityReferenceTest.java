package dev.sprint.controlnet;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link SanaControlNetParityTest} on the pure-Java float64 reference backend. */
class SanaControlNetParityReferenceTest extends SanaControlNetParityTest {
    @Override
    protected TensorBackend backend() {
        return new ReferenceBackend();
    }
}
