package dev.sprint.controlnet;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link SanaSamplerParityTest} on the pure-Java float64 reference backend. */
class SanaSamplerParityReferenceTest extends SanaSamplerParityTest {
    @Override
    protected TensorBackend backend() {
        return new ReferenceBackend();
    }
}
