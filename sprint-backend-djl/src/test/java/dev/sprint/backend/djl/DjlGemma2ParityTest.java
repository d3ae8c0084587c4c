package dev.sprint.backend.djl;

import dev.sprint.core.gemma.Gemma2ParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** Gemma-2 parity on DJL / PyTorch. */
class DjlGemma2ParityTest extends Gemma2ParityTest {
    @Override
    protected TensorBackend backend() {
        return DjlBackends.CPU;
    }
}
