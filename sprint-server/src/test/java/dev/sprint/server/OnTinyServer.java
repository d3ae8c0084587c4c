package dev.sprint.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

/** Base of the test classes that share one {@link TinyServer} (batches of up to 8), started once per class. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class OnTinyServer {
    TinyServer tiny;

    @BeforeAll
    void start() {
        tiny = new TinyServer(8);
    }

    @AfterAll
    void stop() {
        if (tiny != null) tiny.close();
    }
}
