package dev.sprint.backend.onnx;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.OutputType;
import dev.sprint.api.Pipeline;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.sana.SanaFamily;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.ReferenceBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Custom SANA-Sprint schedules of many steps on ONNX Runtime (issue 16 item 4): the sessions do not depend
 * on the number of steps or their values, and long schedules run and agree with the float64 reference.
 */
class OnnxLongScheduleTest {
    private static final GenerationRequest BASE = GenerationRequest.builder().prompt("a red fox").seed(3).size(64, 32)
            .resolutionBinning(false).build();

    /** {@code n} steps: n + 1 TrigFlow angles evenly spaced from {@code max} down to 0. */
    static List<Double> schedule(int n, double max) {
        List<Double> t = new ArrayList<>(n + 1);
        for (int i = 0; i < n; i++) t.add(max * (1 - (double) i / n));
        t.add(0.0);
        return t;
    }

    private static OnnxBackend onnx() {
        return (OnnxBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 0, Map.of()));
    }

    private static Pipeline pipeline(TensorBackend backend) {
        ModelFolder folder = ModelFolder.open(Golden.sana().resolve("model"));
        return new SanaFamily().open(folder, Pipeline.builder().model(folder.root()).settings(), backend);
    }

    private static GenerationRequest steps(int n, double max, OutputType output) {
        return BASE.toBuilder().timesteps(schedule(n, max)).output(output).build();
    }

    @Test
    void aNinetyNineStepScheduleCreatesTheSessionsOfATwoStepOne() {
        OnnxBackend two = onnx();
        long twoSteps;
        try (Pipeline p = pipeline(two)) {
            p.generate(steps(2, 1.5708, OutputType.IMAGE));
            twoSteps = two.sessionsCreated();
        }
        OnnxBackend many = onnx();
        try (Pipeline p = pipeline(many)) {
            p.generate(steps(99, 1.5708, OutputType.IMAGE));
            assertEquals(twoSteps, many.sessionsCreated(), "99 steps: " + many.sessionStats());
            assertEquals(0, many.sessionsEvicted());
            // second call, other values: every session is reused
            p.generate(steps(99, 1.4, OutputType.IMAGE));
            p.generate(steps(2, 1.5708, OutputType.IMAGE));
            assertEquals(twoSteps, many.sessionsCreated(), "second call: " + many.sessionStats());
            assertEquals(0, many.sessionsEvicted());
        }
    }

    @Test
    void aHundredFiftyStepScheduleMatchesTheReference() {
        GenerationRequest req = steps(150, 1.5708, OutputType.LATENT);
        GenerationResult want;
        try (Pipeline p = pipeline(new ReferenceBackend())) {
            want = p.generate(req);
        }
        try (Pipeline p = pipeline(onnx())) {
            GenerationResult got = p.generate(req);
            // the pipeline parity tolerance for final latents (SanaSprintPipelineParityTest)
            Golden.assertClose("150-step latents", got.latents().data(),
                    HostTensor.ofFloats(want.latents().data(), want.latents().shape()), 1e-4);
        }
    }
}
