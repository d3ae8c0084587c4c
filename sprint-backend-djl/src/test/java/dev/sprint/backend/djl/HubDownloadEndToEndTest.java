package dev.sprint.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.ModelDownloadException;
import dev.sprint.api.Pipeline;
import dev.sprint.core.hub.HfCache;
import dev.sprint.core.hub.HubFixtures;
import dev.sprint.core.hub.HubSnapshot;
import dev.sprint.core.hub.LoopbackHub;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * The whole user path: the golden tiny SANA-Sprint model is published on a loopback Hub, downloaded into the
 * Hugging Face cache of this JVM's environment, the Hub goes away, and {@code Pipeline.builder().model(repoId)}
 * — offline (HF_HUB_OFFLINE=1, set by the build) — loads it from the cache and gives the golden image.
 */
class HubDownloadEndToEndTest {
    private static final String REPO = HubFixtures.SANA;

    @Test
    void downloadedRepoLoadsOfflineAndGivesTheGoldenImage() throws Exception {
        HfCache cache = HubFixtures.environmentCache(REPO);
        assertThrows(ModelDownloadException.class, () -> Pipeline.builder().model(REPO).backend("djl").build(),
                "offline and not cached yet: a clear error");
        HubSnapshot s;
        try (LoopbackHub hub = LoopbackHub.start()) {
            HubFixtures.publishSana(hub, REPO);
            s = HubFixtures.downloadIntoEnvironmentCache(hub, REPO);
        }
        assertTrue(s.folder().startsWith(cache.root()), s.folder().toString());
        assertEquals(s.folder(), cache.resolve(REPO));

        JsonObject c = caseInfo("pipeline_t2i_steps2");
        GenerationRequest req = GenerationRequest.builder().prompt(c.get("prompt").getAsString())
                .steps(c.get("num_inference_steps").getAsInt()).seed(c.get("generator_seed").getAsLong())
                .size(c.get("width").getAsInt(), c.get("height").getAsInt()).resolutionBinning(false).build();
        GeneratedImage img;
        try (Pipeline p = Pipeline.builder().model(REPO).backend("djl").build()) {
            img = p.generate(req).image();
        }
        HostTensor want = Golden.get(Golden.load(Golden.sana().resolve("cases/pipeline_t2i_steps2.safetensors")), "image_uint8");
        assertEquals(want.shape()[want.shape().length - 2], img.width());
        assertEquals(want.shape()[want.shape().length - 3], img.height());
        // the goldens' image tolerance (golden/sana-sprint/README.md)
        Golden.assertImage("image from the downloaded repo", img.rgb(), want);
    }

    private static JsonObject caseInfo(String name) throws Exception {
        JsonObject all = JsonParser.parseString(Files.readString(Golden.sana().resolve("cases.json"))).getAsJsonObject();
        for (JsonElement e : all.getAsJsonArray("cases")) {
            if (e.getAsJsonObject().get("name").getAsString().equals(name)) return e.getAsJsonObject();
        }
        throw new AssertionError("no golden case " + name);
    }
}
