package dev.sprint.backend.onnx;

import dev.sprint.core.gemma.Gemma2ParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** Gemma-2 parity traced and run on ONNX Runtime (CPU, float32). */
class OnnxGemma2ParityTest extends Gemma2ParityTest {
    @Override
    protected TensorBackend backend() {
        return OnnxBackends.CPU;
    }
}
