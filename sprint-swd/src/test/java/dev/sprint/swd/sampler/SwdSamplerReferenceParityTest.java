package dev.sprint.swd.sampler;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link SwdSamplerParityTest} on the pure-Java float64 reference backend. */
class SwdSamplerReferenceParityTest extends SwdSamplerParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
