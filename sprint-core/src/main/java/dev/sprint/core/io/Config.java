package dev.sprint.core.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.api.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed {@code config.json} with typed accessors. Unknown keys are ignored; a missing required key
 * or a value of the wrong type is a {@link ModelLoadException} naming the key and the file. Model
 * families turn it into their own immutable config records.
 */
public final class Config {
    private final JsonObject json;
    private final String origin;

    public Config(JsonObject json, String origin) {
        this.json = json;
        this.origin = origin;
    }

    /** Reads and parses a JSON object file. */
    public static Config read(Path file) {
        if (!Files.isRegularFile(file)) throw new ModelLoadException("missing config file " + file);
        try {
            JsonElement e = JsonParser.parseString(Files.readString(file, StandardCharsets.UTF_8));
            if (!e.isJsonObject()) throw new ModelLoadException(file + " is not a JSON object");
            return new Config(e.getAsJsonObject(), file.toString());
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e instanceof ModelLoadException m) throw m;
            throw new ModelLoadException("malformed JSON in " + file + ": " + e.getMessage(), e);
        }
    }

    public JsonObject json() {
        return json;
    }

    public String origin() {
        return origin;
    }

    public boolean has(String key) {
        return json.has(key) && !json.get(key).isJsonNull();
    }

    private JsonElement require(String key) {
        if (!has(key)) throw new ModelLoadException("missing required key '" + key + "' in " + origin);
        return json.get(key);
    }

    private ModelLoadException wrong(String key, String type) {
        return new ModelLoadException("key '" + key + "' in " + origin + " should be " + type + ", is " + json.get(key));
    }

    public int getInt(String key) {
        JsonElement e = require(key);
        try {
            double d = e.getAsDouble();
            if (d != Math.rint(d)) throw wrong(key, "an integer");
            return Math.toIntExact((long) d);
        } catch (UnsupportedOperationException | NumberFormatException | IllegalStateException | ArithmeticException ex) {
            throw wrong(key, "an integer");
        }
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    public double getDouble(String key) {
        JsonElement e = require(key);
        try {
            return e.getAsDouble();
        } catch (UnsupportedOperationException | NumberFormatException | IllegalStateException ex) {
            throw wrong(key, "a number");
        }
    }

    public double getDouble(String key, double dflt) {
        return has(key) ? getDouble(key) : dflt;
    }

    public boolean getBoolean(String key) {
        JsonElement e = require(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isBoolean()) throw wrong(key, "true or false");
        return e.getAsBoolean();
    }

    public boolean getBoolean(String key, boolean dflt) {
        return has(key) ? getBoolean(key) : dflt;
    }

    public String getString(String key) {
        JsonElement e = require(key);
        if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) throw wrong(key, "a string");
        return e.getAsString();
    }

    public String getString(String key, String dflt) {
        return has(key) ? getString(key) : dflt;
    }

    private JsonArray array(String key) {
        JsonElement e = require(key);
        if (!e.isJsonArray()) throw wrong(key, "an array");
        return e.getAsJsonArray();
    }

    public int[] getIntArray(String key) {
        JsonArray a = array(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = a.get(i).getAsInt();
            } catch (RuntimeException ex) {
                throw wrong(key, "an array of integers");
            }
        }
        return out;
    }

    public double[] getDoubleArray(String key) {
        JsonArray a = array(key);
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            try {
                out[i] = a.get(i).getAsDouble();
            } catch (RuntimeException ex) {
                throw wrong(key, "an array of numbers");
            }
        }
        return out;
    }

    /** An array of strings; a plain string value counts as a one-element array. */
    public List<String> getStringList(String key) {
        JsonElement e = require(key);
        List<String> out = new ArrayList<>();
        if (e.isJsonPrimitive()) {
            out.add(e.getAsString());
            return out;
        }
        if (!e.isJsonArray()) throw wrong(key, "a string or an array of strings");
        for (JsonElement x : e.getAsJsonArray()) out.add(x.isJsonNull() ? null : x.getAsString());
        return out;
    }

    /** A nested object as a Config (same origin). */
    public Config getObject(String key) {
        JsonElement e = require(key);
        if (!e.isJsonObject()) throw wrong(key, "an object");
        return new Config(e.getAsJsonObject(), origin + "#" + key);
    }
}
