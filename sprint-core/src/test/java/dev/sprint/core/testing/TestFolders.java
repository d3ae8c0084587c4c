package dev.sprint.core.testing;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sprint.core.io.SafetensorsFile;
import dev.sprint.core.tensor.HostTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * Test helper: copies of the golden model folders that a test may damage — a JSON file edited as text, a
 * safetensors file rewritten with tensors dropped, retyped or replaced — and a count of the process's open
 * file descriptors under a folder (Linux {@code /proc/self/fd}).
 */
public final class TestFolders {
    private TestFolders() {}

    /** A full copy of {@code source} (files copied, not linked) under {@code dir}. */
    public static Path copy(Path source, Path dir) {
        try (Stream<Path> all = Files.walk(source)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = dir.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else Files.copy(p, to);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces a file's text with {@code edit(text)}. */
    public static void editText(Path file, UnaryOperator<String> edit) {
        try {
            Files.writeString(file, edit.apply(Files.readString(file, StandardCharsets.UTF_8)), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Replaces a JSON object file's content with the edited object. */
    public static void editJson(Path file, java.util.function.Consumer<JsonObject> edit) {
        editText(file, text -> {
            JsonObject o = com.google.gson.JsonParser.parseString(text).getAsJsonObject();
            edit.accept(o);
            return o.toString();
        });
    }

    /**
     * Rewrites a safetensors file: {@code edit} maps every (name → tensor) of the file to a new map (drop an
     * entry, replace a tensor, add one); the result is written contiguously in name order.
     */
    public static void editSafetensors(Path file, Function<Map<String, HostTensor>, Map<String, HostTensor>> edit) {
        Map<String, HostTensor> tensors = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (String n : f.names().stream().sorted().toList()) tensors.put(n, copyOf(f.get(n)));
        }
        writeSafetensors(file, edit.apply(tensors));
    }

    private static HostTensor copyOf(HostTensor h) {
        ByteBuffer src = h.data().duplicate();
        ByteBuffer b = ByteBuffer.allocate(src.remaining()).order(ByteOrder.LITTLE_ENDIAN);
        b.put(src).flip();
        return new HostTensor(h.dtype(), h.shape(), b);
    }

    /** Writes tensors (name order) as one safetensors file. */
    public static void writeSafetensors(Path file, Map<String, HostTensor> tensors) {
        writeSafetensors(file, tensors, Map.of());
    }

    /** Writes tensors (name order) as one safetensors file with these {@code __metadata__} strings (none when empty). */
    public static void writeSafetensors(Path file, Map<String, HostTensor> tensors, Map<String, String> metadata) {
        JsonObject header = new JsonObject();
        if (!metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add("__metadata__", meta);
        }
        List<ByteBuffer> data = new ArrayList<>();
        long offset = 0;
        for (Map.Entry<String, HostTensor> e : new TreeMap<>(tensors).entrySet()) {
            HostTensor h = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("dtype", h.dtype().toString());
            JsonArray shape = new JsonArray();
            for (long d : h.shape()) shape.add(d);
            o.add("shape", shape);
            ByteBuffer b = h.data().duplicate();
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + b.remaining());
            offset += b.remaining();
            o.add("data_offsets", offsets);
            header.add(e.getKey(), o);
            data.add(b);
        }
        byte[] head = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate((int) (8 + head.length + offset)).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(head.length).put(head);
        for (ByteBuffer b : data) out.put(b);
        try {
            Files.write(file, out.array());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A tensor of the same dtype and shape whose float values are all {@code v}. */
    public static HostTensor filled(HostTensor like, float v) {
        float[] f = new float[(int) HostTensor.numel(like.shape())];
        java.util.Arrays.fill(f, v);
        return HostTensor.ofFloats(f, like.shape());
    }

    /** How many of this process's file descriptors point at files under {@code dir} (Linux). */
    public static int openFilesUnder(Path dir) {
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) throw new AssertionError("/proc/self/fd is not readable: this check needs Linux");
        Path root;
        try {
            root = dir.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int n = 0;
        try (Stream<Path> s = Files.list(fds)) {
            for (Path fd : (Iterable<Path>) s::iterator) {
                try {
                    if (Files.readSymbolicLink(fd).startsWith(root)) n++;
                } catch (IOException ignored) {
                    // the fd closed while listing (e.g. the listing's own)
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return n;
    }
}
