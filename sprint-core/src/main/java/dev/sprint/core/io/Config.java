package dev.sprint.core.io;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.sprint.api.ModelLoadException;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A parsed {@code config.json} with typed, strict accessors. The file is read as Python's {@code json}
 * reads it (strict JSON: no unquoted keys, comments or trailing garbage) and bounded before parsing
 * ({@value #MAX_BYTES} bytes, nesting depth {@value #MAX_DEPTH}). Unknown keys are ignored; a missing
 * required key, a value of the wrong type (a list is not a number, {@code "2"} is not an integer) or a value
 * outside the bounds a model accepts is a {@link ModelLoadException} naming the key and the file. Error
 * messages never print more than a short prefix of a value. Model families turn a config into their own
 * immutable, validated records before anything is allocated.
 *
 * @param json   the parsed object
 * @param origin what it was read from (a file path, or {@code file#key} for a nested object), named in errors
 */
public record Config(JsonObject json, String origin) {
    /** Largest config file read (real configs are a few kB; tokenizer configs well under 1 MB). */
    public static final long MAX_BYTES = 16L << 20;
    /** Deepest nesting of arrays and objects accepted. */
    public static final int MAX_DEPTH = 64;
    /** Longest array accepted by the array getters. */
    public static final int MAX_ARRAY = 4096;

    private static final Gson GSON = new Gson();

    /** Reads and parses a JSON object file (strict, bounded in size and depth). */
    public static Config read(Path file) {
        if (!Files.isRegularFile(file)) throw new ModelLoadException("missing config file " + file);
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new ModelLoadException(file + " is " + size + " bytes; a config file may have at most " + MAX_BYTES);
            }
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(Files.readAllBytes(file))).toString();
            return new Config(parseObject(text, file.toString()), file.toString());
        } catch (CharacterCodingException e) {
            throw new ModelLoadException(file + " is not UTF-8 text", e);
        } catch (IOException e) {
            throw new ModelLoadException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses JSON text that must be one object (strict; bounded in depth); {@code origin} names it in errors. */
    public static JsonObject parseObject(String text, String origin) {
        checkDepth(text, origin);
        try (JsonReader reader = new JsonReader(new StringReader(text))) {
            reader.setStrictness(Strictness.STRICT);
            JsonElement e = GSON.getAdapter(JsonElement.class).read(reader);
            if (reader.peek() != JsonToken.END_DOCUMENT) throw new ModelLoadException("malformed JSON in " + origin + ": content after the value");
            if (e == null || !e.isJsonObject()) throw new ModelLoadException(origin + " is not a JSON object");
            return e.getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelLoadException m) throw m;
            throw new ModelLoadException("malformed JSON in " + origin + ": " + shorten(e.getMessage(), 200), e);
        }
    }

    /** Rejects nesting deeper than {@link #MAX_DEPTH} before a parser sees it (iterative scan, strings skipped). */
    private static void checkDepth(String text, String origin) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < text.length(); i++) {
            char ch = text.charAt(i);
            if (inString) {
                if (ch == '\\') i++;
                else if (ch == '"') inString = false;
            } else if (ch == '"') {
                inString = true;
            } else if (ch == '[' || ch == '{') {
                if (++depth > MAX_DEPTH) {
                    throw new ModelLoadException("malformed JSON in " + origin + ": nested deeper than " + MAX_DEPTH + " levels");
                }
            } else if (ch == ']' || ch == '}') {
                depth--;
            }
        }
    }

    /** Names the origin only: a config may be megabytes, and messages never print unbounded input. */
    @Override
    public String toString() {
        return "Config[" + origin + "]";
    }

    public boolean has(String key) {
        return json.has(key) && !json.get(key).isJsonNull();
    }

    /** Whether the key is present with an explicit JSON null. */
    public boolean isNull(String key) {
        return json.has(key) && json.get(key).isJsonNull();
    }

    private JsonElement require(String key) {
        if (!has(key)) throw new ModelLoadException("missing required key '" + key + "' in " + origin);
        return json.get(key);
    }

    private ModelLoadException wrong(String key, String type) {
        return new ModelLoadException("key '" + key + "' in " + origin + " should be " + type + ", is " + describe(json.get(key)));
    }

    private ModelLoadException outside(String key, Object value, String range) {
        return new ModelLoadException("key '" + key + "' in " + origin + " is " + value + "; it must be " + range);
    }

    /** A short description of a JSON value for messages: never the whole of a large or deep value. */
    static String describe(JsonElement e) {
        if (e == null || e.isJsonNull()) return "null";
        if (e.isJsonArray()) return "an array of " + e.getAsJsonArray().size();
        if (e.isJsonObject()) return "an object";
        return shorten(e.toString(), 40);
    }

    private static String shorten(String s, int max) {
        if (s == null) return "";
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    private static boolean isNumber(JsonElement e) {
        return e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber();
    }

    /** The exact int value of a JSON number ({@code 2}, {@code 2.0}, {@code 2e0}), or null for anything else. */
    private static Integer exactInt(JsonElement e) {
        if (!isNumber(e)) return null;
        try {
            return new BigDecimal(e.getAsJsonPrimitive().getAsString()).intValueExact();
        } catch (ArithmeticException | NumberFormatException ex) {
            return null;
        }
    }

    public int getInt(String key) {
        Integer v = exactInt(require(key));
        if (v == null) throw wrong(key, "an integer");
        return v;
    }

    public int getInt(String key, int dflt) {
        return has(key) ? getInt(key) : dflt;
    }

    /** A required integer in [min, max]. */
    public int getInt(String key, int min, int max) {
        return bounded(key, getInt(key), min, max);
    }

    /** An optional integer (default when absent or null) in [min, max]. */
    public int getInt(String key, int dflt, int min, int max) {
        return bounded(key, getInt(key, dflt), min, max);
    }

    private int bounded(String key, int v, int min, int max) {
        if (v < min || v > max) throw outside(key, v, min + ".." + max);
        return v;
    }

    public double getDouble(String key) {
        JsonElement e = require(key);
        if (!isNumber(e)) throw wrong(key, "a number");
        double d = e.getAsDouble();
        if (!Double.isFinite(d)) throw wrong(key, "a finite number");
        return d;
    }

    public double getDouble(String key, double dflt) {
        return has(key) ? getDouble(key) : dflt;
    }

    /** An optional number (default when absent or null) in [min, max]. */
    public double getDouble(String key, double dflt, double min, double max) {
        double v = getDouble(key, dflt);
        if (!(v >= min && v <= max)) throw outside(key, v, "in [" + min + ", " + max + "]");
        return v;
    }

    /** An optional number (default when absent or null) in (0, max]. */
    public double getPositive(String key, double dflt, double max) {
        double v = getDouble(key, dflt);
        if (!(v > 0 && v <= max)) throw outside(key, v, "in (0, " + max + "]");
        return v;
    }

    /** A required number in (0, max]. */
    public double getPositive(String key, double max) {
        double v = getDouble(key);
        if (!(v > 0 && v <= max)) throw outside(key, v, "in (0, " + max + "]");
        return v;
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
        JsonArray a = e.getAsJsonArray();
        if (a.size() > MAX_ARRAY) throw wrong(key, "an array of at most " + MAX_ARRAY);
        return a;
    }

    public int[] getIntArray(String key) {
        JsonArray a = array(key);
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            Integer v = exactInt(a.get(i));
            if (v == null) throw wrong(key, "an array of integers");
            out[i] = v;
        }
        return out;
    }

    /** A required array of integers, each in [min, max]. */
    public int[] getIntArray(String key, int min, int max) {
        int[] v = getIntArray(key);
        for (int x : v) if (x < min || x > max) throw outside(key, "an array holding " + x, "an array of integers in " + min + ".." + max);
        return v;
    }

    public double[] getDoubleArray(String key) {
        JsonArray a = array(key);
        double[] out = new double[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonElement x = a.get(i);
            if (!isNumber(x) || !Double.isFinite(x.getAsDouble())) throw wrong(key, "an array of numbers");
            out[i] = x.getAsDouble();
        }
        return out;
    }

    /** An array of strings (JSON nulls kept as null); a plain string value counts as a one-element array. */
    public List<String> getStringList(String key) {
        JsonElement e = require(key);
        List<String> out = new ArrayList<>();
        if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isString()) {
            out.add(e.getAsString());
            return out;
        }
        if (!e.isJsonArray()) throw wrong(key, "a string or an array of strings");
        JsonArray a = array(key);
        for (JsonElement x : a) {
            if (x.isJsonNull()) {
                out.add(null);
            } else if (x.isJsonPrimitive() && x.getAsJsonPrimitive().isString()) {
                out.add(x.getAsString());
            } else {
                throw wrong(key, "a string or an array of strings");
            }
        }
        return out;
    }

    /** An array of integer arrays (e.g. DC-AE's qkv multiscales), each inner array bounded like the outer. */
    public List<int[]> getIntArrays(String key, int min, int max) {
        List<int[]> out = new ArrayList<>();
        for (JsonElement x : array(key)) {
            if (!x.isJsonArray() || x.getAsJsonArray().size() > MAX_ARRAY) throw wrong(key, "an array of integer arrays");
            JsonArray inner = x.getAsJsonArray();
            int[] v = new int[inner.size()];
            for (int i = 0; i < v.length; i++) {
                Integer y = exactInt(inner.get(i));
                if (y == null) throw wrong(key, "an array of integer arrays");
                if (y < min || y > max) throw outside(key, "an array holding " + y, "integers in " + min + ".." + max);
                v[i] = y;
            }
            out.add(v);
        }
        return out;
    }

    /** A nested object as a Config (same origin). */
    public Config getObject(String key) {
        JsonElement e = require(key);
        if (!e.isJsonObject()) throw wrong(key, "an object");
        return new Config(e.getAsJsonObject(), origin + "#" + key);
    }
}
