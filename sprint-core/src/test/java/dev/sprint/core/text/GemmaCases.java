package dev.sprint.core.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** Base of the tests that run on the real Gemma tokenizer and the golden tokenizer cases (16 prompts). */
public abstract class GemmaCases {
    @TempDir
    static Path tmp;

    protected static TextTokenizer gemma;
    protected static JsonObject golden;

    @BeforeAll
    static void loadGemma() {
        gemma = GemmaFixture.open(tmp);
        golden = GemmaFixture.cases();
    }

    @AfterAll
    static void closeGemma() {
        if (gemma != null) gemma.close();
    }

    /** The 16 golden cases. */
    protected static List<JsonObject> cases() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : golden.getAsJsonArray("cases")) out.add(e.getAsJsonObject());
        assertEquals(16, out.size());
        return out;
    }
}
