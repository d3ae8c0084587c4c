package dev.sprint.server;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.Pipeline;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/** A pipeline that records every call it passes on: what the service actually batched. */
class RecordingPipeline implements Pipeline {
    final Pipeline inner;
    final List<GenerationRequest> calls = new CopyOnWriteArrayList<>();

    RecordingPipeline(Pipeline inner) {
        this.inner = inner;
    }

    @Override
    public GenerationResult generate(GenerationRequest request, GenerationListener listener, CancellationToken cancel) {
        calls.add(request);
        return inner.generate(request, listener, cancel);
    }

    @Override
    public Map<String, String> describe() {
        return inner.describe();
    }

    @Override
    public void close() {
        inner.close();
    }
}
