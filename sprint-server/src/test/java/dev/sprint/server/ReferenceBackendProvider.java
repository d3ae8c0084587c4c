package dev.sprint.server;

import dev.sprint.api.spi.Availability;
import dev.sprint.api.spi.Backend;
import dev.sprint.api.spi.BackendOptions;
import dev.sprint.api.spi.BackendProvider;
import dev.sprint.core.testing.ReferenceBackend;
import java.util.List;

/**
 * Makes sprint-core's pure-Java float64 {@link ReferenceBackend} selectable as {@code backend("reference")}, so
 * these tests open pipelines through the public {@code Pipeline.builder()} only. Lowest priority: never chosen
 * unless named.
 */
public final class ReferenceBackendProvider implements BackendProvider {
    @Override
    public String name() {
        return "reference";
    }

    @Override
    public int priority() {
        return -1000;
    }

    @Override
    public String artifact() {
        return "dev.sprint:sprint-core:test-jar";
    }

    @Override
    public Availability probe() {
        return Availability.usable("pure-Java float64 reference (tests only)", List.of("cpu"));
    }

    @Override
    public Backend open(BackendOptions options) {
        return new ReferenceBackend();
    }
}
