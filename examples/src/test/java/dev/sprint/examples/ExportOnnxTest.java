package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.backend.onnx.OnnxBackendProvider;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.sana.SanaTransformer2DModel;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./sprint export-onnx}: exported graphs load in a fresh ONNX Runtime session and give the model's output. */
class ExportOnnxTest {
    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) r.nextGaussian();
        return v;
    }

    private static float[] runExported(Path file, Map<String, float[]> inputs, Map<String, long[]> shapes) throws Exception {
        // the ONNX backend opened by the test created the environment (on its big-stack thread); this returns that one
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession s = env.createSession(file.toString(), new OrtSession.SessionOptions())) {
            Map<String, OnnxTensor> feed = new java.util.HashMap<>();
            for (var e : inputs.entrySet()) {
                feed.put(e.getKey(), OnnxTensor.createTensor(env, FloatBuffer.wrap(e.getValue()), shapes.get(e.getKey())));
            }
            try (OrtSession.Result r = s.run(feed)) {
                FloatBuffer fb = ((OnnxTensor) r.get(0)).getFloatBuffer();
                float[] out = new float[fb.remaining()];
                fb.get(out);
                return out;
            } finally {
                feed.values().forEach(OnnxTensor::close);
            }
        }
    }

    @Test
    void vaeDecoderAndTransformerRoundTrip(@TempDir Path dir) throws Exception {
        Path model = Golden.sana().resolve("model");
        PrintStream out = new PrintStream(new ByteArrayOutputStream());
        assertEquals(0, ExportOnnx.run(new String[] {"--model", model.toString(), "--component", "vae_decoder",
                "--width", "96", "--height", "64", "--output", dir.toString()}, out));
        assertEquals(0, ExportOnnx.run(new String[] {"--model", model.toString(), "--component", "transformer",
                "--width", "96", "--height", "64", "--tokens", "7", "--output", dir.toString()}, out));
        assertTrue(Files.size(dir.resolve("vae_decoder.weights")) > 0);

        TensorBackend be = (TensorBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 0, null));
        try (AutoencoderDC vae = AutoencoderDC.load(model.resolve("vae"), be);
             SanaTransformer2DModel tr = SanaTransformer2DModel.load(model.resolve("transformer"), be)) {
            float[] z = random(8 * 2 * 3, 1);
            float[] want = be.toFloats(vae.decode(be.fromFloats(z, 1, 8, 2, 3)));
            float[] got = runExported(dir.resolve("vae_decoder.onnx"), Map.of("latent", z), Map.of("latent", new long[] {1, 8, 2, 3}));
            Golden.assertClose("exported vae_decoder", got, HostTensor.ofFloats(want, want.length), 1e-5);

            float[] x = random(8 * 2 * 3, 2);
            float[] text = random(7 * 24, 3);
            long[][] mask = {{1, 1, 1, 1, 1, 0, 0}};
            Tensor ref = tr.forward(be.fromFloats(x, 1, 8, 2, 3), new float[] {0.7f}, new float[] {0.45f},
                    be.fromFloats(text, 1, 7, 24), mask, null);
            float[] bias = {0, 0, 0, 0, 0, -10000f, -10000f};
            float[] got2 = runExported(dir.resolve("transformer.onnx"),
                    Map.of("hidden_states", x, "encoder_hidden_states", text, "timestep", new float[] {0.7f},
                            "guidance", new float[] {0.45f}, "encoder_bias", bias),
                    Map.of("hidden_states", new long[] {1, 8, 2, 3}, "encoder_hidden_states", new long[] {1, 7, 24},
                            "timestep", new long[] {1}, "guidance", new long[] {1}, "encoder_bias", new long[] {1, 1, 1, 7}));
            float[] want2 = be.toFloats(ref);
            Golden.assertClose("exported transformer", got2, HostTensor.ofFloats(want2, want2.length), 1e-5);
        } finally {
            be.close();
        }
    }
}
