package dev.sprint.backend.libtorch;

import dev.sprint.core.dcae.AutoencoderDCParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link AutoencoderDCParityTest} on libtorch in float32 (the goldens' precision). */
class LibtorchAutoencoderDCParityTest extends AutoencoderDCParityTest {
    @Override
    protected TensorBackend backend() {
        return LibtorchBackends.F32;
    }
}
