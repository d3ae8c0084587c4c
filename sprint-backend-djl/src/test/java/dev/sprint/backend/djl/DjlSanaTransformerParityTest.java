package dev.sprint.backend.djl;

import dev.sprint.core.sana.SanaTransformerParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** Sana transformer parity on DJL / PyTorch. */
class DjlSanaTransformerParityTest extends SanaTransformerParityTest {
    @Override
    protected TensorBackend backend() {
        return DjlBackends.CPU;
    }
}
