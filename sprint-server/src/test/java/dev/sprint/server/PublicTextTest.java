package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.sprint.core.testing.Golden;
import org.junit.jupiter.api.Test;

/** What clients and logs see of the machine: model names, never paths; URLs without their query strings. */
class PublicTextTest {
    @Test
    void aModelIsShownByItsFolderNameOrRepoId() {
        assertEquals("model", PublicText.modelName(Golden.sana().resolve("model").toAbsolutePath().toString()));
        assertEquals("sana", PublicText.modelName("/models/sana"));
        assertEquals("sana", PublicText.modelName("/models/sana/"));
        assertEquals("sana", PublicText.modelName("../models/sana"));
        assertEquals("sana", PublicText.modelName("~/models/sana"));
        assertEquals("sana", PublicText.modelName("C:\\models\\sana"));
        assertEquals("Efficient-Large-Model/Sana_Sprint_0.6B_1024px_diffusers",
                PublicText.modelName("Efficient-Large-Model/Sana_Sprint_0.6B_1024px_diffusers"));
    }

    @Test
    void urlsInTheLogLoseTheirQueries() {
        String logged = PublicText.withoutQueries("GET https://cdn-lfs.hf.co/repos/a/b?X-Amz-Signature=abc123&Expires=1 failed: 403;"
                + " see http://h/x?token=secret");
        assertFalse(logged.contains("abc123") || logged.contains("secret"), logged);
        assertEquals("GET https://cdn-lfs.hf.co/repos/a/b?… failed: 403; see http://h/x?…", logged);
        assertEquals("no url here?x=1", PublicText.withoutQueries("no url here?x=1"));
    }
}
