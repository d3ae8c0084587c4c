package dev.sprint.backend.libtorch;

import dev.sprint.core.taesd.AutoencoderTinyParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link AutoencoderTinyParityTest} on libtorch in float32 (the goldens' precision). */
class LibtorchAutoencoderTinyParityTest extends AutoencoderTinyParityTest {
    @Override
    protected TensorBackend backend() {
        return LibtorchBackends.F32;
    }
}
