package dev.sprint.core.hub;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** A test with a fresh {@link LoopbackHub} per test method and a cache folder ({@link #root}) in its temporary folder. */
abstract class LoopbackHubCase {
    @TempDir
    Path tmp;
    LoopbackHub hub;
    Path root;

    @BeforeEach
    void startHub() {
        hub = LoopbackHub.start();
        root = tmp.resolve("hub");
    }

    @AfterEach
    void stopHub() {
        hub.close();
    }

    /** A downloader of the loopback Hub into {@link #root} (see {@link HubFixtures#downloader}). */
    HubDownloader.Builder downloader() {
        return HubFixtures.downloader(hub, root);
    }
}
