package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.ModelDownloadException;
import dev.sprint.core.hub.DownloadProgress;
import dev.sprint.core.hub.HubFixtures;
import dev.sprint.core.hub.LoopbackHub;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./sprint download} against a loopback Hub: snapshot path on stdout, progress on stderr, clear errors. */
class DownloadCommandTest {
    @TempDir
    Path tmp;
    LoopbackHub hub;
    final ByteArrayOutputStream out = new ByteArrayOutputStream();
    final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void start() {
        hub = LoopbackHub.start();
        HubFixtures.publishSana(hub, HubFixtures.SANA);
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private int run(boolean terminal, String... args) {
        Map<String, String> env = Map.of("HF_ENDPOINT", hub.endpoint(), "HF_HUB_CACHE", tmp.resolve("cache").toString());
        return DownloadCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), env::get, tmp, terminal, new CancellationToken());
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void downloadsIntoTheCacheAndPrintsTheSnapshot() throws Exception {
        assertEquals(0, run(false, HubFixtures.SANA));
        String commit = hub.repo(HubFixtures.SANA).mainCommit();
        Path snap = tmp.resolve("cache/models--Efficient-Large-Model--Sana_Sprint_0.6B_1024px_diffusers/snapshots/" + commit);
        assertEquals(snap.toString(), stdout().trim());
        assertTrue(Files.isRegularFile(snap.resolve("transformer/diffusion_pytorch_model.safetensors")));
        String e = stderr();
        assertFalse(e.contains("\r"), "no terminal redraws in plain mode");
        assertTrue(e.contains(HubFixtures.SANA + " @ " + commit + ": 11 files"), e);
        assertTrue(e.contains("done vae/diffusion_pytorch_model.safetensors") && e.contains("100%"), e);
        assertTrue(e.contains("downloaded ") && e.contains(snap.toString()), e);
    }

    @Test
    void revisionAndIncludeOptions() {
        assertEquals(0, run(true, HubFixtures.SANA, "--revision", "main", "--include", "vae/", "--include", "model_index.json"));
        String e = stderr();
        assertTrue(e.contains("4 files") && e.contains("\r["), e); // vae/ holds config, safetensors and an onnx export
        assertThrows(CliException.class, () -> run(false, HubFixtures.SANA + "@main", "--revision", "main"));
        assertThrows(CliException.class, () -> run(false, "--include", "x", HubFixtures.SANA));
        assertThrows(CliException.class, () -> run(false, HubFixtures.SANA, "--bogus", "1"));
        assertThrows(CliException.class, () -> run(false, HubFixtures.SANA, "--parallel", "0"));
        ModelDownloadException missing = assertThrows(ModelDownloadException.class, () -> run(false, "nobody/nothing"));
        assertTrue(missing.getMessage().contains("nobody/nothing"), missing.getMessage());
        assertEquals(2, run(false));
        assertTrue(stdout().contains("Usage: ./sprint download"));
    }

    @Test
    void progressLineShowsRateAndTimeLeft() {
        AtomicLong now = new AtomicLong(0);
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        DownloadProgressPrinter p = new DownloadProgressPrinter(new PrintStream(buf, true, StandardCharsets.UTF_8), true, 120, now::get);
        long total = 100_000_000;
        p.onStart(new DownloadProgress("org/m", "abc", null, 0, 0, 0, total, 0, 2));
        now.set(2_000_000_000L);
        p.onProgress(new DownloadProgress("org/m", "abc", "big.safetensors", 50_000_000, 90_000_000, 50_000_000, total, 0, 2));
        String s = buf.toString(StandardCharsets.UTF_8);
        String last = s.substring(s.lastIndexOf('\r') + 1);
        assertTrue(last.contains(" 50%") && last.contains("50.0 MB/100 MB") && last.contains("25.0 MB/s") && last.contains("ETA 2 s")
                && last.contains("big.safetensors") && last.startsWith("[============>"), last);
        assertEquals("1:05", DownloadProgressPrinter.duration(65));
        assertEquals("2:00:00", DownloadProgressPrinter.duration(7200));
        assertEquals("3.21 GB", dev.sprint.core.hub.DownloadProgress.formatBytes(3_210_000_000L));
        assertEquals("999 B", dev.sprint.core.hub.DownloadProgress.formatBytes(999));
    }
}
