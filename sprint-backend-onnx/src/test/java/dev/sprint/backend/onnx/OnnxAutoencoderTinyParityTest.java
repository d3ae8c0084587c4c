package dev.sprint.backend.onnx;

import dev.sprint.core.taesd.AutoencoderTinyParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** AutoencoderTiny (TAESD) parity traced and run on ONNX Runtime (CPU, float32). */
class OnnxAutoencoderTinyParityTest extends AutoencoderTinyParityTest {
    @Override
    protected TensorBackend backend() {
        return OnnxBackends.CPU;
    }
}
