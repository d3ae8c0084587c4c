package dev.sprint.controlnet;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.backend.djl.DjlBackendProvider;
import dev.sprint.core.tensor.TensorBackend;

/** {@link SanaControlNetPipelineParityTest} on DJL / PyTorch. */
class SanaControlNetPipelineDjlParityTest extends SanaControlNetPipelineParityTest {
    @Override
    protected TensorBackend newBackend() {
        return (TensorBackend) new DjlBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));
    }
}
