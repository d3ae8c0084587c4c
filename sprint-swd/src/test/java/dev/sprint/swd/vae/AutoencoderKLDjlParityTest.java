package dev.sprint.swd.vae;

import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.swd.mmdit.SwdDjl;

/** {@link AutoencoderKLParityTest} on the DJL/PyTorch backend (CPU, float32). */
class AutoencoderKLDjlParityTest extends AutoencoderKLParityTest {
    @Override
    protected TensorBackend backend() {
        return SwdDjl.CPU;
    }
}
