package dev.sprint.spark;

import dev.sprint.api.Provenance;
import java.util.Map;
import java.util.TreeMap;

/** The little JSON this module writes (provenance, manifest lines): objects of strings and integers. */
final class Json {
    private final StringBuilder b = new StringBuilder("{");

    Json put(String key, String value) {
        key(key);
        if (value == null) b.append("null");
        else quote(value);
        return this;
    }

    Json put(String key, long value) {
        key(key);
        b.append(value);
        return this;
    }

    /** A value that is already JSON text. */
    Json putRaw(String key, String json) {
        key(key);
        b.append(json);
        return this;
    }

    Json put(String key, Map<String, String> values) {
        Json o = new Json();
        new TreeMap<>(values).forEach(o::put);
        return putRaw(key, o.toString());
    }

    @Override
    public String toString() {
        return b + "}";
    }

    /**
     * The provenance of one image as a JSON object: model, pipeline, backend, prompt, seed, steps, width, height,
     * then {@code extras} (sorted keys).
     */
    static String provenance(Provenance p) {
        return new Json().put("model", p.model()).put("pipeline", p.pipeline()).put("backend", p.backend())
                .put("prompt", p.prompt()).put("seed", p.seed()).put("steps", p.steps()).put("width", p.width())
                .put("height", p.height()).put("extras", p.extras()).toString();
    }

    private void key(String key) {
        if (b.length() > 1) b.append(',');
        quote(key);
        b.append(':');
    }

    private void quote(String s) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    // control characters, and the two line separators JavaScript readers of JSON lines trip over
                    if (c < 0x20 || c == '\u2028' || c == '\u2029') b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}
