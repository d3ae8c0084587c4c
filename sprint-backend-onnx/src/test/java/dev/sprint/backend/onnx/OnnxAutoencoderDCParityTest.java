package dev.sprint.backend.onnx;

import dev.sprint.core.dcae.AutoencoderDCParityTest;
import dev.sprint.core.tensor.TensorBackend;

/** AutoencoderDC (DC-AE) parity traced and run on ONNX Runtime (CPU, float32). */
class OnnxAutoencoderDCParityTest extends AutoencoderDCParityTest {
    @Override
    protected TensorBackend backend() {
        return OnnxBackends.CPU;
    }
}
