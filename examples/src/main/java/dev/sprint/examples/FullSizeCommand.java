package dev.sprint.examples;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * {@code ./sprint write-fullsize MANIFEST_DIR OUT_DIR [--copy SUB=DIR ...] [--seed S]}: writes a full-size diffusers
 * folder with random weights in the real layout from a manifest folder ({@code bench/fullsize/<model>/}: each
 * component's {@code config.json} and {@code tensors.json} = {"dtype", "files": {file: {tensor: shape}}, "index"?}),
 * so the real loading path, memory and speed can be measured without downloading a checkpoint (cost does not
 * depend on weight values). Values: normal(0, 1/√fan-in) for ≥2-D tensors, 1 for 1-D weights/scales, 0 for biases,
 * stored in the manifest's dtype (bf16 rounded to nearest even); sharded components get their index json.
 * {@code --copy SUB=DIR} lays DIR's files over OUT/SUB (tokenizers; {@code .gz} files are unpacked).
 */
final class FullSizeCommand {
    static final String USAGE = """
            Usage: ./sprint write-fullsize MANIFEST_DIR OUT_DIR [--copy SUB=DIR ...] [--seed S]
              e.g. ./sprint write-fullsize bench/fullsize/sana-sprint-0.6b /tmp/sana-0.6b \\
                       --copy tokenizer=golden/sana-sprint/model/tokenizer --copy tokenizer=golden/tokenizers/gemma
            Writes random weights in the real layout (SANA-Sprint 0.6B: 6.6 GB; SD3.5-Medium: ~15 GB).
            """;

    private static final int CHUNK = 1 << 22;

    private FullSizeCommand() {}

    static int run(String[] argv, PrintStream out) {
        if (argv.length < 2 || java.util.Arrays.asList(argv).contains("--help")) {
            out.print(USAGE);
            return argv.length < 2 ? 2 : 0;
        }
        Path manifest = Path.of(argv[0]);
        Path dest = Path.of(argv[1]);
        Args a = new Args(java.util.Arrays.copyOfRange(argv, 2, argv.length), java.util.Set.of());
        List<String> copies = a.all("copy");
        Long seed = a.getLong("seed");
        a.rejectUnknown();
        if (!Files.isDirectory(manifest)) throw new CliException("no manifest folder " + manifest);
        try {
            write(manifest, dest, seed == null ? 0 : seed, out);
            for (String c : copies) {
                int eq = c.indexOf('=');
                if (eq <= 0) throw new CliException("--copy takes SUB=DIR, got '" + c + "'");
                overlay(Path.of(c.substring(eq + 1)), dest.resolve(c.substring(0, eq)));
            }
        } catch (IOException e) {
            throw new CliException("cannot write " + dest + ": " + e.getMessage());
        }
        out.println("done: " + dest);
        return 0;
    }

    private static void write(Path manifest, Path dest, long seed, PrintStream out) throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.walk(manifest)) {
            dirs = s.filter(Files::isDirectory).sorted().toList();
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (Path dir : dirs) {
            Path to = dest.resolve(manifest.relativize(dir).toString());
            Files.createDirectories(to);
            try (Stream<Path> s = Files.list(dir)) {
                for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                    String name = f.getFileName().toString();
                    if (!name.equals("tensors.json") && !name.toLowerCase(Locale.ROOT).startsWith("readme")) {
                        Files.copy(f, to.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            Path tensors = dir.resolve("tensors.json");
            if (!Files.isRegularFile(tensors)) continue;
            JsonObject m = JsonParser.parseString(Files.readString(tensors)).getAsJsonObject();
            String dtype = m.get("dtype").getAsString();
            Map<String, String> weightMap = new TreeMap<>();
            long total = 0;
            for (Map.Entry<String, JsonElement> file : new TreeMap<>(m.getAsJsonObject("files").asMap()).entrySet()) {
                Map<String, long[]> shapes = new TreeMap<>();
                for (Map.Entry<String, JsonElement> t : file.getValue().getAsJsonObject().entrySet()) {
                    var arr = t.getValue().getAsJsonArray();
                    long[] shape = new long[arr.size()];
                    for (int i = 0; i < shape.length; i++) shape[i] = arr.get(i).getAsLong();
                    shapes.put(t.getKey(), shape);
                    weightMap.put(t.getKey(), file.getKey());
                }
                long bytes = safetensors(to.resolve(file.getKey()), dtype, shapes, rng);
                total += bytes;
                out.printf(Locale.ROOT, "%s/%s: %d tensors, %.2f GB%n", manifest.relativize(dir), file.getKey(), shapes.size(), bytes / 1e9);
            }
            if (m.has("index")) {
                JsonObject index = new JsonObject();
                JsonObject meta = new JsonObject();
                meta.addProperty("total_size", total);
                index.add("metadata", meta);
                Gson gson = new GsonBuilder().setPrettyPrinting().create();
                index.add("weight_map", gson.toJsonTree(weightMap));
                Files.writeString(to.resolve(m.get("index").getAsString()), gson.toJson(index));
            }
        }
    }

    /** One safetensors file: header (tensors in name order, contiguous, padded to 8 bytes), then the data. */
    private static long safetensors(Path file, String dtype, Map<String, long[]> shapes, SplittableRandom rng) throws IOException {
        int esz = dtype.equals("F32") ? 4 : 2;
        Map<String, Object> header = new LinkedHashMap<>();
        long off = 0;
        for (Map.Entry<String, long[]> t : shapes.entrySet()) {
            long n = numel(t.getValue()) * esz;
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("dtype", dtype);
            e.put("shape", t.getValue());
            e.put("data_offsets", new long[] {off, off + n});
            header.put(t.getKey(), e);
            off += n;
        }
        header.put("__metadata__", Map.of("format", "pt"));
        byte[] h = new Gson().toJson(header).getBytes(StandardCharsets.UTF_8);
        int pad = (8 - h.length % 8) % 8;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.WRITE)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length + pad);
            len.flip();
            ch.write(len);
            ch.write(ByteBuffer.wrap(h));
            ch.write(ByteBuffer.wrap(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII)));
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK * esz).order(ByteOrder.LITTLE_ENDIAN);
            for (Map.Entry<String, long[]> t : shapes.entrySet()) {
                long[] shape = t.getValue();
                long n = numel(shape);
                String name = t.getKey();
                boolean vector = shape.length <= 1;
                float fill = name.endsWith("bias") ? 0f : 1f;
                float scale = vector ? 0 : (float) (1 / Math.sqrt(Math.max(1, n / shape[0])));
                for (long s = 0; s < n; s += CHUNK) {
                    int c = (int) Math.min(CHUNK, n - s);
                    buf.clear();
                    for (int i = 0; i < c; i++) {
                        float v = vector ? fill : (float) rng.nextGaussian() * scale;
                        switch (dtype) {
                            case "F32" -> buf.putFloat(v);
                            case "F16" -> buf.putShort(dev.sprint.core.tensor.Half.fromFloat(v));
                            default -> buf.putShort(dev.sprint.core.tensor.Half.floatToBf16(v));
                        }
                    }
                    buf.flip();
                    while (buf.hasRemaining()) ch.write(buf);
                }
            }
        }
        return off;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** Copies a folder's files into {@code to} ({@code .gz} unpacked, READMEs left out). */
    private static void overlay(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) throw new CliException("--copy: no folder " + from);
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(from)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) {
                String name = f.getFileName().toString();
                if (name.toLowerCase(Locale.ROOT).startsWith("readme")) continue;
                if (name.endsWith(".gz")) {
                    try (InputStream in = new GZIPInputStream(Files.newInputStream(f));
                         OutputStream o = Files.newOutputStream(to.resolve(name.substring(0, name.length() - 3)))) {
                        in.transferTo(o);
                    }
                } else {
                    Files.copy(f, to.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
