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
        dev.sprint.api.spi.JsonText.appendQuoted(b, s);
    }
}
