package dev.sprint.core.io;

import static dev.sprint.core.io.SafetensorsBytes.entry;
import static dev.sprint.core.io.SafetensorsBytes.file;
import static dev.sprint.core.io.SafetensorsBytes.lengthThen;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.testing.Golden;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsFileTest {
    @TempDir
    Path tmp;

    private static final byte[] DATA16 = new byte[16];

    /** name, file bytes, tensor the message must name (null: none), a fragment the message must contain. */
    static Stream<Arguments> malformed() {
        String ok = entry("w", "F32", "[2,2]", 0, 16);
        return Stream.of(
                Arguments.of("empty", new byte[0], null, "shorter than the 8-byte"),
                Arguments.of("short", new byte[] {1, 0, 0}, null, "shorter than the 8-byte"),
                Arguments.of("header_len_max", lengthThen(Long.MAX_VALUE, "{}".getBytes(StandardCharsets.UTF_8)), null, "header length"),
                Arguments.of("header_len_2p40", lengthThen(1L << 40, "{}".getBytes(StandardCharsets.UTF_8)), null, "header length"),
                Arguments.of("header_len_negative", lengthThen(-5, "{}".getBytes(StandardCharsets.UTF_8)), null, "header length"),
                Arguments.of("header_past_eof", lengthThen(4096, "{\"a\":1}".getBytes(StandardCharsets.UTF_8)), null, "past the end"),
                Arguments.of("non_utf8", file(new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'}, new byte[0]), null, "UTF-8"),
                Arguments.of("not_json", file("{this is not json", new byte[0]), null, "not valid JSON"),
                Arguments.of("unquoted_keys", file("{w:{dtype:\"F32\"}}", new byte[0]), null, "not valid JSON"),
                Arguments.of("trailing_garbage", file("{" + ok + "} x", DATA16), null, "JSON"),
                Arguments.of("json_array", file("[1,2,3]", new byte[0]), null, "not a JSON object"),
                Arguments.of("json_string", file("\"abc\"", new byte[0]), null, "not a JSON object"),
                Arguments.of("entry_not_object", file("{\"w\":[1,2]}", new byte[0]), "w", "not an object"),
                Arguments.of("missing_dtype", file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "w", "dtype"),
                Arguments.of("missing_shape", file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]), "w", "shape"),
                Arguments.of("missing_offsets", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "w", "data_offsets"),
                Arguments.of("offsets_three", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", new byte[8]), "w", "data_offsets"),
                Arguments.of("unknown_dtype", file("{" + entry("w", "F8_E4M3X", "[4]", 0, 4) + "}", new byte[4]), "w", "F8_E4M3X"),
                Arguments.of("shape_negative", file("{" + entry("w", "F32", "[-1,4]", 0, 16) + "}", DATA16), "w", "shape"),
                Arguments.of("shape_float", file("{" + entry("w", "F32", "[2.5,2]", 0, 16) + "}", DATA16), "w", "shape"),
                Arguments.of("shape_string", file("{" + entry("w", "F32", "[\"4\"]", 0, 16) + "}", DATA16), "w", "shape"),
                Arguments.of("shape_huge_number", file("{" + entry("w", "F32", "[99999999999999999999]", 0, 16) + "}", DATA16), "w", "shape"),
                Arguments.of("shape_overflow", file("{" + entry("w", "F32", "[4294967296,4294967296,4]", 0, 16) + "}", DATA16), "w", "overflow"),
                Arguments.of("bytes_overflow", file("{" + entry("w", "F64", "[2305843009213693952]", 0, 16) + "}", DATA16), "w", "overflow"),
                Arguments.of("offsets_reversed", file("{" + entry("w", "F32", "[0]", 16, 0) + "}", DATA16), "w", "< begin"),
                Arguments.of("offsets_negative", file("{" + entry("w", "F32", "[1]", -4, 0) + "}", DATA16), "w", "data_offsets"),
                Arguments.of("offsets_past_eof", file("{" + entry("w", "F32", "[8]", 0, 32) + "}", DATA16), "w", "past the end"),
                Arguments.of("offsets_overflow_eof", file("{" + entry("w", "U8", "[9223372036854775807]", 0, Long.MAX_VALUE) + "}", DATA16), "w", "past the end"),
                Arguments.of("byte_length_mismatch", file("{" + entry("w", "F32", "[3]", 0, 16) + "}", DATA16), "w", "needs 12 bytes"),
                Arguments.of("overlap", file("{" + entry("a", "F32", "[3]", 0, 12) + "," + entry("b", "F32", "[2]", 8, 16) + "}", DATA16), "b", "overlaps"),
                Arguments.of("duplicate_name", file("{" + entry("w", "F32", "[2]", 0, 8) + "," + entry("w", "F32", "[2]", 8, 16) + "}", DATA16), "w", "duplicate"),
                Arguments.of("metadata_not_object", file("{\"__metadata__\":\"x\"," + ok + "}", DATA16), null, "__metadata__"),
                Arguments.of("metadata_nested", file("{\"__metadata__\":{\"k\":{\"a\":1}}," + ok + "}", DATA16), null, "__metadata__"),
                Arguments.of("metadata_number", file("{\"__metadata__\":{\"k\":1}," + ok + "}", DATA16), null, "__metadata__"),
                // the offsets must tile the data section exactly, as the format's reference reader requires
                Arguments.of("gap_between", file("{" + entry("a", "F32", "[1]", 0, 4) + "," + entry("b", "F32", "[2]", 8, 16) + "}", DATA16), "b", "contiguous"),
                Arguments.of("gap_at_start", file("{" + entry("a", "F32", "[3]", 4, 16) + "}", DATA16), "a", "contiguous"),
                Arguments.of("trailing_bytes", file("{" + ok + "}", new byte[17]), null, "trailing bytes"),
                Arguments.of("no_tensors_but_data", file("{}", new byte[4]), null, "trailing bytes"),
                Arguments.of("header_length_one_short", shortHeader("{" + ok + "}  "), null, "header length that is too short"),
                Arguments.of("header_length_one_long", longHeader("{" + ok + "}", DATA16), "w", "past the end"),
                // hostile nesting: never a StackOverflowError, never the whole array in the message
                Arguments.of("deep_shape", file("{\"w\":{\"dtype\":\"F32\",\"shape\":" + "[".repeat(5000) + "]".repeat(5000)
                        + ",\"data_offsets\":[0,4]}}", new byte[4]), "w", "not a non-negative integer"),
                Arguments.of("deep_offsets", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + "[".repeat(100000)
                        + "]".repeat(100000) + "}}", new byte[4]), "w", "not a non-negative integer"),
                Arguments.of("deep_unknown_field", file("{\"w\":{\"x\":" + "[".repeat(100000) + "]".repeat(100000)
                        + ",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "w", "nested deeper than 64"),
                Arguments.of("deep_entry", file("{\"w\":" + "{\"a\":".repeat(3000) + "1" + "}".repeat(3001), new byte[0]), "w", "nested deeper than 64"),
                Arguments.of("dtype_not_string", file("{\"w\":{\"dtype\":[\"F32\"],\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "w", "dtype"),
                Arguments.of("offsets_exponent", file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4e0]}}", new byte[4]), "w", "4e0"),
                Arguments.of("long_dtype_clipped", file("{" + entry("w", "X".repeat(100000), "[4]", 0, 4) + "}", new byte[4]), "w", "chars)"));
    }

    /** A valid file whose header-length field is one byte short: the last header byte becomes data. */
    private static byte[] shortHeader(String header) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] f = file(h, DATA16);
        ByteBuffer.wrap(f).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, h.length - 1);
        return f;
    }

    /** A header-length field one byte too long: the first data byte is read as header (a space here, so JSON parses). */
    private static byte[] longHeader(String header, byte[] data) {
        byte[] d = data.clone();
        d[0] = ' ';
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        byte[] f = file(h, d);
        ByteBuffer.wrap(f).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, h.length + 1);
        return f;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void malformedFilesAreRejectedWithTheirName(String name, byte[] bytes, String tensor, String fragment) {
        Path p = SafetensorsBytes.write(tmp, name + ".safetensors", bytes);
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> {
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                f.names();
            }
        });
        String msg = e.getMessage();
        assertTrue(msg.contains(name + ".safetensors"), () -> "message should name the file: " + msg);
        if (tensor != null) assertTrue(msg.contains("'" + tensor + "'"), () -> "message should name the tensor: " + msg);
        assertTrue(msg.contains(fragment), () -> "message should say '" + fragment + "': " + msg);
    }

    @Test
    void everyDtypeRoundTrips() {
        record Case(String dtype, DType type, byte[] bytes) {}
        ByteBuffer f32 = le(16).putFloat(1.5f).putFloat(-2f).putFloat(0f).putFloat(3.25f);
        ByteBuffer f64 = le(16).putDouble(Math.PI).putDouble(-1e300);
        ByteBuffer i64 = le(16).putLong(Long.MIN_VALUE).putLong(42);
        ByteBuffer i32 = le(16).putInt(-7).putInt(Integer.MAX_VALUE).putInt(0).putInt(9);
        // F16 1.0 = 0x3C00, -2.0 = 0xC000; BF16 1.0 = 0x3F80, -2.0 = 0xC000
        ByteBuffer f16 = le(4).putShort((short) 0x3C00).putShort((short) 0xC000);
        ByteBuffer bf16 = le(4).putShort((short) 0x3F80).putShort((short) 0xC000);
        List<Case> cases = List.of(
                new Case("F32", DType.F32, f32.array()), new Case("F64", DType.F64, f64.array()),
                new Case("I64", DType.I64, i64.array()), new Case("I32", DType.I32, i32.array()),
                new Case("F16", DType.F16, f16.array()), new Case("BF16", DType.BF16, bf16.array()),
                new Case("U8", DType.U8, new byte[] {0, 1, (byte) 200, (byte) 255}),
                new Case("BOOL", DType.BOOL, new byte[] {1, 0, 0, 1}));
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        ByteBuffer data = ByteBuffer.allocate(cases.stream().mapToInt(c -> c.bytes.length).sum());
        long off = 0;
        for (Case c : cases) {
            long n = c.bytes.length / c.type.bytes();
            header.append(',').append(entry(c.dtype.toLowerCase(), c.dtype, "[" + n + "]", off, off + c.bytes.length));
            data.put(c.bytes);
            off += c.bytes.length;
        }
        header.append('}');
        Path p = SafetensorsBytes.write(tmp, "all.safetensors", file(header.toString(), data.array()));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt"), f.metadata());
            assertEquals(cases.size(), f.names().size());
            for (Case c : cases) {
                HostTensor t = f.get(c.dtype.toLowerCase());
                assertEquals(c.type, t.dtype(), c.dtype);
                assertArrayEquals(new long[] {c.bytes.length / c.type.bytes()}, t.shape(), c.dtype);
                byte[] back = new byte[t.data().remaining()];
                t.data().duplicate().get(back);
                assertArrayEquals(c.bytes, back, c.dtype);
                assertEquals(p.toString(), f.origin(c.dtype.toLowerCase()));
            }
            assertArrayEquals(new float[] {1.5f, -2f, 0f, 3.25f}, f.get("f32").toFloats());
            assertArrayEquals(new float[] {1f, -2f}, f.get("f16").toFloats());
            assertArrayEquals(new float[] {1f, -2f}, f.get("bf16").toFloats());
            assertArrayEquals(new long[] {Long.MIN_VALUE, 42}, f.get("i64").toLongs());
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> f.get("nope"));
            assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("all.safetensors"), e.getMessage());
        }
    }

    @Test
    void zeroSizeTensorsAndScalars() {
        // an empty tensor sharing its offset with a non-empty one is not an overlap; a scalar has shape []
        String header = "{" + entry("empty", "F32", "[0,3]", 4, 4) + "," + entry("x", "F32", "[]", 4, 8) + ","
                + entry("a", "F32", "[1]", 0, 4) + "," + entry("tail", "I64", "[0]", 8, 8) + "}";
        ByteBuffer d = le(8).putFloat(7f).putFloat(9f);
        Path p = SafetensorsBytes.write(tmp, "zero.safetensors", file(header, d.array()));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals(0, f.get("empty").numel());
            assertArrayEquals(new long[] {0, 3}, f.get("empty").shape());
            assertArrayEquals(new float[] {9f}, f.get("x").toFloats());
            assertArrayEquals(new long[0], f.get("x").shape());
            assertArrayEquals(new float[] {7f}, f.get("a").toFloats());
            assertEquals(0, f.get("tail").numel());
        }
    }

    @Test
    void headerPaddedWithSpacesIsAccepted() {
        // writers pad the header to 8-byte alignment with spaces
        String header = "{" + entry("w", "F32", "[1]", 0, 4) + "}     ";
        Path p = SafetensorsBytes.write(tmp, "padded.safetensors", file(header, le(4).putFloat(2f).array()));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {2f}, f.get("w").toFloats());
        }
    }

    @Test
    void tensorBeyondTwoGibOfASparseFile() throws Exception {
        // small [0, 4), a 2 GiB+ filler, then far: contiguous, as the format requires, in a sparse file
        long fill = (1L << 31) + 4092;
        long offset = 4 + fill;
        String header = "{" + entry("small", "F32", "[1]", 0, 4) + "," + entry("filler", "U8", "[" + fill + "]", 4, offset)
                + "," + entry("far", "F32", "[2,2]", offset, offset + 16) + "}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path p = tmp.resolve("sparse.safetensors");
        long dataStart = 8 + h.length;
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(dataStart + offset + 16); // sparse: costs no disk
            raf.seek(0);
            raf.write(le(8).putLong(h.length).array());
            raf.write(h);
            raf.write(le(4).putFloat(-1f).array());
            raf.seek(dataStart + offset);
            raf.write(le(16).putFloat(1f).putFloat(2f).putFloat(3f).putFloat(4f).array());
        }
        assertTrue(Files.size(p) > (1L << 31));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new float[] {1f, 2f, 3f, 4f}, f.get("far").toFloats());
            assertArrayEquals(new float[] {-1f}, f.get("small").toFloats());
            assertEquals(dataStart + offset, f.entries().get("far").start());
            // over 2 GiB: no single host buffer, a clear error; ranged reads work at both ends
            ModelLoadException e = assertThrows(ModelLoadException.class, () -> f.get("filler"));
            assertTrue(e.getMessage().contains("'filler'") && e.getMessage().contains("2 GiB"), e.getMessage());
            var filler = f.data("filler", new long[] {fill});
            assertEquals(fill, filler.byteLength());
            ByteBuffer last = ByteBuffer.allocate(4);
            filler.read(fill - 4, last);
            assertArrayEquals(new byte[4], last.array());
            ByteBuffer head = ByteBuffer.allocate(8);
            f.data("far", null).read(0, head);
            assertEquals(1f, head.order(java.nio.ByteOrder.LITTLE_ENDIAN).getFloat(0));
            assertThrows(IndexOutOfBoundsException.class, () -> filler.read(fill - 2, ByteBuffer.allocate(4)));
        }
    }

    @Test
    void vendoredGoldenModelsOpen() {
        Path sana = Golden.sana();
        for (String component : List.of("model/transformer", "model/vae", "model/text_encoder",
                "model_controlnet/transformer", "model_controlnet/controlnet")) {
            Path dir = Golden.require(sana.resolve(component));
            try (WeightSource w = Checkpoints.open(dir)) {
                assertTrue(w.names().size() > 5, component);
                for (String n : w.names()) {
                    HostTensor t = w.get(n);
                    assertTrue(t.dtype() == DType.F32, component + " " + n);
                }
            }
        }
        Path swd = Golden.swd().resolve("model");
        try (Stream<Path> s = Files.walk(swd)) {
            List<Path> dirs = s.filter(Files::isRegularFile).filter(f -> f.toString().endsWith(".safetensors"))
                    .map(Path::getParent).distinct().toList();
            assertTrue(!dirs.isEmpty(), "no safetensors under " + swd);
            for (Path d : dirs) {
                try (WeightSource w = Checkpoints.open(d)) {
                    for (String n : w.names()) w.get(n);
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void closedFileRefusesTensors() {
        Path p = SafetensorsBytes.write(tmp, "c.safetensors", file("{" + entry("w", "F32", "[1]", 0, 4) + "}", new byte[4]));
        SafetensorsFile f = SafetensorsFile.open(p);
        f.close();
        assertThrows(ModelLoadException.class, () -> f.get("w"));
    }

    private static ByteBuffer le(int n) {
        return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
    }
}
