package dev.sprint.core.testing;

import dev.sprint.api.Pipeline;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The tiny golden SANA-Sprint folder as a plain {@link Pipeline} on a named CPU backend, opened once per test
 * class and closed after it: the reference an integration's output is compared with.
 * {@code @RegisterExtension static final GoldenPipeline PLAIN = new GoldenPipeline("djl");}
 */
public final class GoldenPipeline implements BeforeAllCallback, AfterAllCallback {
    private final String backend;
    private Pipeline pipeline;

    public GoldenPipeline(String backend) {
        this.backend = backend;
    }

    /** {@code golden/sana-sprint/model}. */
    public Path model() {
        return Golden.require(Golden.sana().resolve("model/model_index.json")).getParent();
    }

    /** The open pipeline (during the test class). */
    public Pipeline pipeline() {
        return pipeline;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        pipeline = Pipeline.builder().model(model()).backend(backend).device("cpu").build();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (pipeline != null) pipeline.close();
    }
}
