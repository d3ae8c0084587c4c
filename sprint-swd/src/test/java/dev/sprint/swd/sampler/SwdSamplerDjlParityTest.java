package dev.sprint.swd.sampler;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.mmdit.SwdDjl;

/** {@link SwdSamplerParityTest} on the DJL/PyTorch backend (CPU, float32). */
class SwdSamplerDjlParityTest extends SwdSamplerParityTest {
    @Override
    protected TensorBackend backend() {
        return SwdDjl.CPU;
    }
}
