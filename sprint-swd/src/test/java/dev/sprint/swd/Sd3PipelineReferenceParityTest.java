package dev.sprint.swd;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link Sd3PipelineParityTest} on the pure-Java float64 reference backend. */
class Sd3PipelineReferenceParityTest extends Sd3PipelineParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
