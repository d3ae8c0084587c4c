package dev.sprint.backend.libtorch;

import dev.sprint.core.sana.SanaTransformerParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** {@link SanaTransformerParityTest} on libtorch in float32 (the goldens' precision). */
class LibtorchSanaTransformerParityTest extends SanaTransformerParityTest {
    @Override
    protected TensorBackend backend() {
        return LibtorchBackends.F32;
    }
}
