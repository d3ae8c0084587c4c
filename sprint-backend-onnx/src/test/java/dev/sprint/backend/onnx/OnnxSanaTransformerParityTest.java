package dev.sprint.backend.onnx;

import dev.sprint.core.sana.SanaTransformerParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** Sana transformer parity traced and run on ONNX Runtime (CPU, float32). */
class OnnxSanaTransformerParityTest extends SanaTransformerParityTest {
    @Override
    protected TensorBackend backend() {
        return OnnxBackends.CPU;
    }
}
