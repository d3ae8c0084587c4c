package dev.sprint.backend.libtorch;

import dev.sprint.core.gemma.Gemma2ParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link Gemma2ParityTest} on libtorch in float32 (the goldens' precision). */
class LibtorchGemma2ParityTest extends Gemma2ParityTest {
    @Override
    protected TensorBackend backend() {
        return LibtorchBackends.F32;
    }
}
