package dev.sprint.core.sana;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link SanaSprintPipelineParityTest} on the float64 reference backend. */
class SanaSprintPipelineReferenceParityTest extends SanaSprintPipelineParityTest {
    private final TensorBackend backend = new ReferenceBackend();

    @Override
    protected TensorBackend backend() {
        return backend;
    }
}
