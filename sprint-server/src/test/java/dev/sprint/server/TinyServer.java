package dev.sprint.server;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.Pipeline;
import dev.sprint.core.pipeline.PreviewDecoder;
import dev.sprint.core.testing.Golden;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A {@link SprintServer} on the tiny golden SANA-Sprint model (reference backend), with request defaults that
 * keep tests fast: exact sizes (no binning), 32 text tokens, no instruction prefix, 2 steps.
 */
final class TinyServer implements AutoCloseable {
    static final String MODEL = "tiny-sana-sprint";
    static final GenerationRequest DEFAULTS = GenerationRequest.builder().resolutionBinning(false).maxSequenceLength(32)
            .instruction(List.of()).steps(2).build();

    final SprintServer server;
    final Pipeline pipeline;
    final Http http;

    TinyServer(int maxBatch) {
        this(maxBatch, b -> {}, p -> p);
    }

    /** @param settings more server settings (async jobs, image store, identity, clock) */
    TinyServer(int maxBatch, UnaryOperator<SprintServer.Builder> settings) {
        this(maxBatch, settings::apply, p -> p);
    }

    /**
     * @param settings more server settings (keys, limits)
     * @param wrap     what the server runs instead of the pipeline (a wrapper around it), or the pipeline itself
     */
    TinyServer(int maxBatch, Consumer<SprintServer.Builder> settings, UnaryOperator<Pipeline> wrap) {
        AtomicReference<Pipeline> loaded = new AtomicReference<>();
        SprintServer.Builder b = SprintServer.builder().modelName(MODEL).port(0).maxBatch(maxBatch).batchWindow(Duration.ofMillis(50))
                .warmupSize(64, 64)
                .pipeline(() -> {
                    // absolute: the server must show the folder's name only, never where it lies
                    Path model = Golden.sana().resolve("model").toAbsolutePath();
                    // the VAE as preview decoder: the tiny DC-AE is cheap, and Sana has no latent→RGB projection
                    Pipeline p = Pipeline.builder().model(model).backend("reference").defaults(DEFAULTS)
                            .with(PreviewDecoder.vae()).build();
                    loaded.set(p);
                    return wrap.apply(p);
                });
        settings.accept(b);
        server = b.build().start();
        server.awaitReady(Duration.ofSeconds(60));
        pipeline = loaded.get();
        http = new Http(server.url());
    }

    @Override
    public void close() {
        server.close();
    }
}
