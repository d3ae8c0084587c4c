package dev.sprint.core.text;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.core.testing.Golden;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** The real Gemma tokenizer (gunzipped from the vendored golden) and its reference cases. */
public final class GemmaFixture {
    private GemmaFixture() {}

    /** Gunzips {@code golden/tokenizers/gemma/tokenizer.json.gz} into {@code dir}/tokenizer.json and opens it. */
    public static TextTokenizer open(Path dir) {
        Path gz = Golden.require(Golden.dir().resolve("tokenizers/gemma/tokenizer.json.gz"));
        Path out = dir.resolve("tokenizer.json");
        try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
            Files.copy(in, out);
            Files.copy(Golden.require(Golden.dir().resolve("tokenizers/gemma/tokenizer_config.json")),
                    dir.resolve("tokenizer_config.json"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return TextTokenizer.open(out);
    }

    /** {@code golden/sana-sprint/cases/gemma_tokenizer.json}. */
    public static JsonObject cases() {
        return json(Golden.sana().resolve("cases/gemma_tokenizer.json"));
    }

    public static JsonObject json(Path p) {
        try {
            return JsonParser.parseString(Files.readString(Golden.require(p), StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) out[i] = a.get(i).getAsLong();
        return out;
    }
}
