package dev.sprint.core.io;

import com.google.gson.JsonElement;
import com.google.gson.Gson;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.sprint.api.ModelLoadException;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One {@code .safetensors} file: an 8-byte little-endian header length, a JSON header, then tensor
 * data. Every header entry is validated before any tensor is used (known dtype, shape × dtype size ==
 * byte length, offsets inside the file, no overlaps, no duplicates, bounded header), so a hostile file
 * is a {@link ModelLoadException} naming the file and the tensor, never a crash or a huge allocation.
 * Each tensor is memory-mapped on first use (files larger than 2 GiB work; a single tensor must be
 * under 2 GiB).
 */
public final class SafetensorsFile implements WeightSource {
    /** Largest accepted JSON header (the format's own limit is 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final TypeAdapter<JsonElement> ELEMENT = new Gson().getAdapter(JsonElement.class);

    /** Header entry of one tensor; offsets are absolute in the file. */
    public record Entry(String name, DType dtype, long[] shape, long start, long end) {
        public long byteLength() {
            return end - start;
        }
    }

    private final Path path;
    private final FileChannel channel;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final Map<String, HostTensor> mapped = new ConcurrentHashMap<>();

    private SafetensorsFile(Path path, FileChannel channel, Map<String, Entry> entries, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.entries = entries;
        this.metadata = metadata;
    }

    /** Opens and validates a file. */
    public static SafetensorsFile open(Path path) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ModelLoadException("cannot open safetensors file " + path + ": " + e.getMessage(), e);
        }
        try {
            long size = ch.size();
            if (size < 8) throw bad(path, "file is " + size + " bytes, shorter than the 8-byte header length");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen < 2 || headerLen > MAX_HEADER_BYTES) {
                throw bad(path, "header length " + headerLen + " is outside 2.." + MAX_HEADER_BYTES);
            }
            if (8 + headerLen > size) {
                throw bad(path, "header length " + headerLen + " runs past the end of the " + size + "-byte file (truncated?)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
            readFully(ch, hb, 8);
            hb.flip();
            String json;
            try {
                json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
            } catch (CharacterCodingException e) {
                throw bad(path, "header is not valid UTF-8");
            }
            Map<String, String> meta = new LinkedHashMap<>();
            Map<String, Entry> entries = parseHeader(path, json, 8 + headerLen, size, meta);
            return new SafetensorsFile(path, ch, entries, meta);
        } catch (IOException e) {
            closeQuietly(ch);
            throw new ModelLoadException("cannot read safetensors file " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    private static Map<String, Entry> parseHeader(Path path, String json, long dataStart, long fileSize,
                                                  Map<String, String> meta) {
        // Streamed with a strict reader: Gson's tree parser is lenient (unquoted keys, comments) and keeps
        // only the last of duplicate keys, both of which would hide a malformed header.
        Map<String, Entry> out = new LinkedHashMap<>();
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad(path, "header is not a JSON object");
            r.beginObject();
            boolean sawMetadata = false;
            while (r.hasNext()) {
                String name = r.nextName();
                JsonElement value = ELEMENT.read(r);
                if (name.equals("__metadata__")) {
                    if (sawMetadata) throw bad(path, "header has two __metadata__ entries");
                    sawMetadata = true;
                    if (!value.isJsonObject()) throw bad(path, "__metadata__ is not an object");
                    for (Map.Entry<String, JsonElement> m : value.getAsJsonObject().entrySet()) {
                        if (!m.getValue().isJsonPrimitive()) {
                            throw bad(path, "__metadata__ value '" + m.getKey() + "' is not a string");
                        }
                        meta.put(m.getKey(), m.getValue().getAsString());
                    }
                    continue;
                }
                if (out.containsKey(name)) throw bad(path, name, "duplicate tensor name in the header");
                out.put(name, parseEntry(path, name, value, dataStart, fileSize));
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) throw bad(path, "data after the end of the header JSON");
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelLoadException m) throw m;
            throw bad(path, "header is not valid JSON: " + e.getMessage());
        }
        // Sort by (start, end) so an empty tensor sharing its start with a non-empty one is not an overlap.
        List<Entry> sorted = new ArrayList<>(out.values());
        sorted.sort(Comparator.comparingLong(Entry::start).thenComparingLong(Entry::end));
        for (int i = 1; i < sorted.size(); i++) {
            Entry prev = sorted.get(i - 1);
            Entry cur = sorted.get(i);
            if (cur.start < prev.end) {
                throw bad(path, "tensor '" + cur.name + "' overlaps tensor '" + prev.name + "'");
            }
        }
        return Collections.unmodifiableMap(out);
    }

    private static Entry parseEntry(Path path, String name, JsonElement v, long dataStart, long fileSize) {
        if (!v.isJsonObject()) throw bad(path, name, "entry is not an object");
        JsonObject o = v.getAsJsonObject();
        if (!o.has("dtype") || !o.get("dtype").isJsonPrimitive()) throw bad(path, name, "no dtype");
        String dt = o.get("dtype").getAsString();
        DType dtype = DType.fromSafetensors(dt);
        if (dtype == null) throw bad(path, name, "unsupported dtype '" + dt + "'");
        if (!o.has("shape") || !o.get("shape").isJsonArray()) throw bad(path, name, "no shape array");
        if (!o.has("data_offsets") || !o.get("data_offsets").isJsonArray()
                || o.getAsJsonArray("data_offsets").size() != 2) {
            throw bad(path, name, "data_offsets must be an array of two integers");
        }
        var shapeArr = o.getAsJsonArray("shape");
        long[] shape = new long[shapeArr.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegativeLong(path, name, shapeArr.get(i), "shape");
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException e) {
                throw bad(path, name, "shape " + shapeArr + " overflows");
            }
        }
        long begin = nonNegativeLong(path, name, o.getAsJsonArray("data_offsets").get(0), "data_offsets");
        long end = nonNegativeLong(path, name, o.getAsJsonArray("data_offsets").get(1), "data_offsets");
        if (end < begin) throw bad(path, name, "data_offsets end " + end + " < begin " + begin);
        long expected;
        try {
            expected = Math.multiplyExact(numel, dtype.bytes());
        } catch (ArithmeticException e) {
            throw bad(path, name, "byte size overflows");
        }
        if (end - begin != expected) {
            throw bad(path, name, "shape " + Arrays.toString(shape) + " of " + dt + " needs " + expected
                    + " bytes, data_offsets span " + (end - begin));
        }
        if (end > fileSize - dataStart) { // not dataStart + end: that can overflow
            throw bad(path, name, "data_offsets [" + begin + ", " + end + ") run past the end of the file (truncated?)");
        }
        return new Entry(name, dtype, shape, dataStart + begin, dataStart + end);
    }

    private static long nonNegativeLong(Path path, String name, JsonElement e, String what) {
        try {
            if (e.isJsonPrimitive() && e.getAsJsonPrimitive().isNumber()) {
                String s = e.getAsString();
                long v = Long.parseLong(s);
                if (v >= 0) return v;
            }
        } catch (NumberFormatException ignored) {
            // falls through to the error below
        }
        throw bad(path, name, what + " value " + e + " is not a non-negative integer");
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) throw new IOException("unexpected end of file");
            pos += n;
        }
    }

    private static ModelLoadException bad(Path path, String why) {
        return new ModelLoadException("malformed safetensors file " + path + ": " + why);
    }

    private static ModelLoadException bad(Path path, String tensor, String why) {
        return new ModelLoadException("malformed safetensors file " + path + ", tensor '" + tensor + "': " + why);
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // nothing useful to do
        }
    }

    public Path path() {
        return path;
    }

    /** Header entries by name, in file order. */
    public Map<String, Entry> entries() {
        return entries;
    }

    /** The {@code __metadata__} strings. */
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Set<String> names() {
        return entries.keySet();
    }

    @Override
    public String origin(String name) {
        return path.toString();
    }

    @Override
    public HostTensor get(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new ModelLoadException("no tensor '" + name + "' in " + path);
        return mapped.computeIfAbsent(name, n -> map(e));
    }

    private HostTensor map(Entry e) {
        if (e.byteLength() > Integer.MAX_VALUE) {
            throw new ModelLoadException("tensor '" + e.name + "' in " + path + " is " + e.byteLength()
                    + " bytes; single tensors over 2 GiB are not supported");
        }
        try {
            ByteBuffer b = e.byteLength() == 0 ? ByteBuffer.allocate(0)
                    : channel.map(FileChannel.MapMode.READ_ONLY, e.start, e.byteLength());
            return new HostTensor(e.dtype, e.shape, b.order(ByteOrder.LITTLE_ENDIAN));
        } catch (IOException ex) {
            throw new ModelLoadException("cannot map tensor '" + e.name + "' of " + path + ": " + ex.getMessage(), ex);
        }
    }

    @Override
    public void close() {
        mapped.clear();
        closeQuietly(channel);
    }
}
