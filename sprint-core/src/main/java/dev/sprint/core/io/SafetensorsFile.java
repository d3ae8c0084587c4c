package dev.sprint.core.io;

import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.sprint.api.ModelLoadException;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorData;
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
 * data. The header is validated before any tensor is used, as strictly as the format's reference reader:
 * strict JSON read token by token (no recursion, bounded nesting and size, no duplicate keys, messages quote
 * at most 80 characters of it), a known dtype, shape × dtype size == byte length, and offsets that tile the
 * data section exactly — contiguous from its first byte to the file's last — so a hostile or damaged file is
 * a {@link ModelLoadException} naming the file and the tensor, never a crash, a huge allocation or silently
 * shifted data. {@link #get} memory-maps a tensor on first use (up to 2 GiB); {@link #data} reads any tensor
 * in ranges.
 */
public final class SafetensorsFile implements WeightSource {
    /** Largest accepted JSON header (the format's own limit is 100 MB). */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

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

    /** Deepest JSON nesting accepted anywhere in a header (real headers need 3; the format has no deeper values). */
    static final int MAX_DEPTH = 64;

    private static Map<String, Entry> parseHeader(Path path, String json, long dataStart, long fileSize,
                                                  Map<String, String> meta) {
        // Streamed token by token with a strict reader and no recursion: Gson's tree parser is lenient (unquoted
        // keys, comments), keeps only the last of duplicate keys, and recurses over attacker-chosen depth.
        Map<String, Entry> out = new LinkedHashMap<>();
        try {
            JsonReader r = new JsonReader(new StringReader(json));
            r.setStrictness(Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad(path, "header is not a JSON object");
            r.beginObject();
            boolean sawMetadata = false;
            while (r.hasNext()) {
                String name = r.nextName();
                if (name.equals("__metadata__")) {
                    if (sawMetadata) throw bad(path, "header has two __metadata__ entries");
                    sawMetadata = true;
                    parseMetadata(path, r, meta);
                    continue;
                }
                if (out.containsKey(name)) throw bad(path, name, "duplicate tensor name in the header");
                out.put(name, parseEntry(path, name, r, dataStart, fileSize));
            }
            r.endObject();
            if (r.peek() != JsonToken.END_DOCUMENT) throw bad(path, "data after the end of the header JSON");
        } catch (IOException | RuntimeException e) {
            if (e instanceof ModelLoadException m) throw m;
            throw bad(path, "header is not valid JSON: " + clip(e.getMessage()));
        }
        requireContiguous(path, out.values(), dataStart, fileSize - dataStart);
        return Collections.unmodifiableMap(out);
    }

    /**
     * The format's layout rule (as the reference reader enforces it): tensors tile the data section exactly,
     * from its first byte to the file's last, without gaps or overlaps. A header length that is off by a byte
     * shifts every tensor and shows up here as data that does not end where the file ends.
     */
    private static void requireContiguous(Path path, java.util.Collection<Entry> entries, long dataStart, long dataBytes) {
        List<Entry> sorted = new ArrayList<>(entries);
        // (start, end): an empty tensor sharing its start with a non-empty one sits before it
        sorted.sort(Comparator.comparingLong(Entry::start).thenComparingLong(Entry::end));
        long at = 0;
        Entry prev = null;
        for (Entry e : sorted) {
            long begin = e.start - dataStart;
            if (begin < at) {
                throw bad(path, "tensor '" + e.name + "' (bytes " + begin + ".." + (e.end - dataStart) + " of the data) overlaps tensor '"
                        + prev.name + "'");
            }
            if (begin > at) {
                throw bad(path, "tensor '" + e.name + "' starts at data byte " + begin + " but "
                        + (prev == null ? "the data starts at 0" : "tensor '" + prev.name + "' ends at " + at)
                        + ": safetensors data must be contiguous (a gap of " + (begin - at) + " bytes)");
            }
            at = e.end - dataStart;
            prev = e;
        }
        if (at != dataBytes) {
            throw bad(path, "the tensors cover " + at + " bytes of data but the file holds " + dataBytes
                    + " after the header (" + (dataBytes > at ? "trailing bytes, or a header length that is too short"
                    : "truncated") + ")");
        }
    }

    private static void parseMetadata(Path path, JsonReader r, Map<String, String> meta) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad(path, "__metadata__ is not an object of strings");
        r.beginObject();
        while (r.hasNext()) {
            String key = r.nextName();
            if (r.peek() != JsonToken.STRING) {
                throw bad(path, "__metadata__ value '" + clip(key) + "' is not a string");
            }
            meta.put(key, r.nextString());
        }
        r.endObject();
    }

    private static Entry parseEntry(Path path, String name, JsonReader r, long dataStart, long fileSize) throws IOException {
        if (r.peek() != JsonToken.BEGIN_OBJECT) throw bad(path, name, "entry is not an object");
        r.beginObject();
        String dt = null;
        long[] shape = null;
        long[] offsets = null;
        while (r.hasNext()) {
            String field = r.nextName();
            switch (field) {
                case "dtype" -> {
                    if (r.peek() != JsonToken.STRING) throw bad(path, name, "dtype is not a string");
                    dt = r.nextString();
                }
                case "shape" -> shape = longArray(path, name, r, "shape", -1);
                case "data_offsets" -> offsets = longArray(path, name, r, "data_offsets", 2);
                default -> skip(path, name, r); // unknown fields are ignored, as the reference reader does
            }
        }
        r.endObject();
        if (dt == null) throw bad(path, name, "no dtype");
        if (shape == null) throw bad(path, name, "no shape array");
        if (offsets == null) throw bad(path, name, "data_offsets must be an array of two integers");
        DType dtype = DType.fromSafetensors(dt);
        if (dtype == null) throw bad(path, name, "unsupported dtype '" + clip(dt) + "'");
        long numel = 1;
        for (long d : shape) {
            try {
                numel = Math.multiplyExact(numel, d);
            } catch (ArithmeticException e) {
                throw bad(path, name, "shape " + Arrays.toString(shape) + " overflows");
            }
        }
        long begin = offsets[0];
        long end = offsets[1];
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

    /** An array of non-negative integers ({@code length} of them, or any number when −1); nothing nested. */
    private static long[] longArray(Path path, String name, JsonReader r, String what, int length) throws IOException {
        if (r.peek() != JsonToken.BEGIN_ARRAY) {
            throw bad(path, name, length == 2 ? "data_offsets must be an array of two integers" : "no " + what + " array");
        }
        r.beginArray();
        long[] v = new long[4];
        int n = 0;
        while (r.hasNext()) {
            if (r.peek() != JsonToken.NUMBER) throw bad(path, name, what + " holds a value that is not a non-negative integer");
            String lit = r.nextString();
            long x;
            try {
                if (!lit.matches("[0-9]{1,19}")) throw new NumberFormatException();
                x = Long.parseLong(lit);
            } catch (NumberFormatException e) {
                throw bad(path, name, what + " value " + clip(lit) + " is not a non-negative integer");
            }
            if (n == v.length) {
                if (n >= 64) throw bad(path, name, what + " has more than 64 values");
                v = Arrays.copyOf(v, 2 * n);
            }
            v[n++] = x;
        }
        r.endArray();
        if (length >= 0 && n != length) throw bad(path, name, "data_offsets must be an array of two integers");
        return Arrays.copyOf(v, n);
    }

    /** Skips one value of any type iteratively, refusing nesting deeper than {@link #MAX_DEPTH}. */
    private static void skip(Path path, String name, JsonReader r) throws IOException {
        int depth = 0;
        do {
            switch (r.peek()) {
                case BEGIN_ARRAY -> { r.beginArray(); if (++depth > MAX_DEPTH) throw deep(path, name); }
                case BEGIN_OBJECT -> { r.beginObject(); if (++depth > MAX_DEPTH) throw deep(path, name); }
                case END_ARRAY -> { r.endArray(); depth--; }
                case END_OBJECT -> { r.endObject(); depth--; }
                case NAME -> r.nextName();
                default -> r.skipValue(); // a primitive
            }
        } while (depth > 0);
    }

    private static ModelLoadException deep(Path path, String name) {
        return bad(path, name, "header JSON is nested deeper than " + MAX_DEPTH + " levels");
    }

    /** Bounds what a message quotes from the file, so a hostile header cannot flood a log. */
    private static String clip(String s) {
        if (s == null) return "";
        return s.length() <= 80 ? s : s.substring(0, 80) + "... (" + s.length() + " chars)";
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
        Entry e = entry(name);
        return mapped.computeIfAbsent(name, n -> map(e));
    }

    /**
     * The tensor as ranges of the file, read with positional reads: any size, and reading it (to convert it,
     * say) leaves the file in the page cache rather than mapped into the process.
     */
    @Override
    public TensorData data(String name, long[] expectedShape) {
        Entry e = entry(name);
        return new TensorData() {
            @Override
            public DType dtype() {
                return e.dtype;
            }

            @Override
            public long[] shape() {
                return e.shape.clone();
            }

            @Override
            public void read(long offset, ByteBuffer dst) {
                int n = dst.remaining();
                if (offset < 0 || offset + n > e.byteLength()) {
                    throw new IndexOutOfBoundsException("bytes [" + offset + ", " + (offset + n) + ") of tensor '" + e.name
                            + "' (" + e.byteLength() + " bytes)");
                }
                try {
                    readFully(channel, dst, e.start + offset);
                } catch (IOException ex) {
                    throw new ModelLoadException("cannot read tensor '" + e.name + "' of " + path + ": " + ex.getMessage(), ex);
                }
            }

            @Override
            public HostTensor host() {
                return get(e.name);
            }

            @Override
            public String toString() {
                return "'" + e.name + "' " + e.dtype + Arrays.toString(e.shape) + " in " + path;
            }
        };
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new ModelLoadException("no tensor '" + name + "' in " + path);
        if (!channel.isOpen()) throw new ModelLoadException("tensor '" + name + "' requested after " + path + " was closed");
        return e;
    }

    private HostTensor map(Entry e) {
        if (e.byteLength() > Integer.MAX_VALUE) {
            throw new ModelLoadException("tensor '" + e.name + "' in " + path + " is " + e.byteLength()
                    + " bytes, more than one host buffer holds (2 GiB); it can only be streamed to a backend");
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
