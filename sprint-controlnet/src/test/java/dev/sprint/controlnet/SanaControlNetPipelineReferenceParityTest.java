package dev.sprint.controlnet;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.ReferenceBackend;

/** {@link SanaControlNetPipelineParityTest} on the float64 reference backend. */
class SanaControlNetPipelineReferenceParityTest extends SanaControlNetPipelineParityTest {
    @Override
    protected TensorBackend newBackend() {
        return new ReferenceBackend();
    }
}
