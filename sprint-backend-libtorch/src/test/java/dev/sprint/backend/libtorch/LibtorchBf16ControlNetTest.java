package dev.sprint.backend.libtorch;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.Pipeline;
import dev.sprint.api.PipelineSettings;
import dev.sprint.api.Precision;
import dev.sprint.controlnet.SanaControlNetFamily;
import dev.sprint.controlnet.SanaControlNetPipelineParityTest;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Sana ControlNet in bfloat16 against the float32 golden, judged by the reference's own bf16 run (see {@link LibtorchBf16ParityTest}). */
class LibtorchBf16ControlNetTest {
    @Test
    void controlNetPipelineImage() {
        Map<String, HostTensor> c = Golden.load(Golden.sana().resolve("cases/pipeline_controlnet.safetensors"));
        ModelFolder folder = ModelFolder.open(Golden.sana().resolve("model_controlnet"));
        PipelineSettings s = Pipeline.builder().model(folder.root()).with(ComponentSource.of(Golden.sana().resolve("model"))).settings();
        try (Pipeline p = new SanaControlNetFamily().open(folder, s, LibtorchBackends.open(Precision.BFLOAT16))) {
            GenerationRequest req = SanaControlNetPipelineParityTest.request(c);
            LibtorchBf16ParityTest.assertAsCloseAsTheReference("pipeline_controlnet", p.generate(req).image().rgb());
        }
    }
}
