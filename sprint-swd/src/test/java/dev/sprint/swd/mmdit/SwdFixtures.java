package dev.sprint.swd.mmdit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.testing.Golden;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Shared access to golden/swd for the SwD parity tests, and the metrics its README states (section 7). */
public final class SwdFixtures {
    private static final Logger LOG = LoggerFactory.getLogger(SwdFixtures.class);

    private SwdFixtures() {}

    /** All tensors of {@code cases/<name>.safetensors}. */
    public static Map<String, HostTensor> load(String name) {
        return Golden.load(Golden.swd().resolve("cases/" + name + ".safetensors"));
    }

    /** The {@code params} object of a case in cases.json. */
    public static JsonObject params(String name) {
        try {
            JsonObject all = JsonParser.parseString(Files.readString(Golden.swd().resolve("cases.json"))).getAsJsonObject();
            for (var c : all.getAsJsonArray("cases")) {
                if (c.getAsJsonObject().get("name").getAsString().equals(name)) {
                    return c.getAsJsonObject().getAsJsonObject("params");
                }
            }
        } catch (IOException e) {
            fail("cannot read cases.json: " + e);
        }
        fail("cases.json has no case " + name);
        return null;
    }

    /**
     * Rows {@code index} of encode_prompt's tensors: {prompt_embeds (1, L, D), pooled (1, P)}, or the
     * negative ("") pair.
     */
    public static Tensor[] promptEmbeds(TensorBackend be, int index, boolean negative) {
        Map<String, HostTensor> c = load("encode_prompt");
        String p = negative ? "negative_" : "";
        Tensor e = be.upload(Golden.get(c, p + "prompt_embeds"), be.floatType()).slice(0, index, index + 1);
        Tensor pooled = be.upload(Golden.get(c, p + "pooled_prompt_embeds"), be.floatType()).slice(0, index, index + 1);
        return new Tensor[] {e, pooled};
    }

    /** Both prompts' embeddings as the batch the transformer cases use: {(2, L, D), (2, P)}. */
    public static Tensor[] promptBatch(TensorBackend be) {
        Map<String, HostTensor> c = load("encode_prompt");
        return new Tensor[] {be.upload(Golden.get(c, "prompt_embeds"), be.floatType()),
                be.upload(Golden.get(c, "pooled_prompt_embeds"), be.floatType())};
    }

    /**
     * The README's check for model outputs and latents: max|a − b| ≤ rel·max|ref| + abs. Returns the
     * achieved max|a − b|.
     */
    public static double assertNear(String what, float[] actual, HostTensor expected, double rel, double abs) {
        float[] ref = expected.toFloats();
        assertEquals(ref.length, actual.length, what + ": element count");
        double maxRef = 0;
        double maxErr = 0;
        int worst = 0;
        for (int i = 0; i < ref.length; i++) {
            maxRef = Math.max(maxRef, Math.abs(ref[i]));
            double e = Math.abs((double) actual[i] - ref[i]);
            if (!(e <= maxErr)) {
                maxErr = Double.isNaN(e) ? Double.POSITIVE_INFINITY : e;
                worst = i;
            }
        }
        double bound = rel * maxRef + abs;
        LOG.info("{}: max|d| = {} (bound {}, max|ref| {})", what, String.format("%.3g", maxErr), String.format("%.3g", bound),
                String.format("%.3g", maxRef));
        if (!(maxErr <= bound)) {
            fail(String.format("%s: max|a-b| = %.3g at %d (got %s, want %s) > %.3g (= %.0e·%.3g + %.0e)", what, maxErr, worst,
                    actual[worst], ref[worst], bound, rel, maxRef, abs));
        }
        return maxErr;
    }

    /** README check for uint8 images: |d| ≤ 1 everywhere and at most 0.5 % of the values differ. */
    public static void assertImage(String what, byte[] actual, HostTensor expected) {
        float[] ref = expected.toFloats();
        assertEquals(ref.length, actual.length, what + ": element count");
        int differ = 0;
        for (int i = 0; i < ref.length; i++) {
            int d = Math.abs((actual[i] & 0xFF) - (int) ref[i]);
            if (d > 1) fail(what + ": value " + i + " is " + (actual[i] & 0xFF) + ", want " + (int) ref[i]);
            if (d != 0) differ++;
        }
        LOG.info("{}: {} of {} uint8 values differ by 1", what, differ, ref.length);
        if (differ > ref.length * 0.005) fail(what + ": " + differ + " of " + ref.length + " uint8 values differ (> 0.5 %)");
    }
}
