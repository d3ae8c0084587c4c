package dev.sprint.core.io;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.SprintException;
import dev.sprint.core.tensor.TensorData;
import dev.sprint.core.testing.Golden;
import dev.sprint.core.testing.JsonFuzzer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A seeded mutation fuzzer over the safetensors reader: real checkpoint files and small hand-made ones are
 * mutated (bit flips, byte runs, header-length edits, JSON token splices, truncation, appended bytes, nesting
 * bombs, huge numbers) and each result is opened and, when accepted, every tensor is read. The only throwable
 * allowed out is a {@link SprintException}; an accepted file must read every tensor within its bounds.
 *
 * <p>The suite runs a short fixed budget. A long run: {@code mvn -pl sprint-core -am test -Dtest=SafetensorsFuzzTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dsprint.fuzz.iterations=1000000 [-Dsprint.fuzz.seed=N]}.
 */
class SafetensorsFuzzTest {
    @TempDir
    Path tmp;

    private static final String[] SPLICES = {
        "[", "]", "{", "}", ",", ":", "\"", "-1", "0", "1e999", "99999999999999999999", "null", "true", "[[[[[[[[",
        "\"F32\"", "\"BF16\"", "\"I8\"", "\"dtype\"", "\"shape\"", "\"data_offsets\"", "\"__metadata__\"", "[0,0]",
        "[0,18446744073709551615]", "\\u0000", "\uD800", "NaN", "{\"a\":{\"b\":{}}}", " ", "\n",
    };

    @Test
    void onlySprintExceptionsComeOut() throws Exception {
        long iterations = Long.getLong("sprint.fuzz.iterations", 3000);
        long seed = Long.getLong("sprint.fuzz.seed", 20261201L);
        List<byte[]> corpus = corpus();
        Path file = tmp.resolve("fuzz.safetensors");
        long[] outcome = new long[2]; // accepted, rejected
        // a generous wall-clock bound for the whole run catches a hang (a real one never finishes)
        assertTimeoutPreemptively(Duration.ofSeconds(60 + iterations / 200), () -> {
            SplittableRandom r = new SplittableRandom(seed);
            for (long i = 0; i < iterations; i++) {
                byte[] base = corpus.get(r.nextInt(corpus.size()));
                byte[] input = mutate(base, r);
                Files.write(file, input);
                try {
                    outcome[readAll(file) ? 0 : 1]++;
                } catch (SprintException expected) {
                    outcome[1]++;
                } catch (Throwable t) {
                    Path keep = tmp.resolve("crash-" + i + ".safetensors");
                    Files.write(keep, input);
                    throw new AssertionError("input " + i + " (seed " + seed + ") threw " + t + "; kept as " + keep, t);
                }
            }
        });
        System.out.printf("safetensors fuzz: %d inputs, %d accepted, %d rejected with ModelLoadException%n",
                iterations, outcome[0], outcome[1]);
        assertTrue(outcome[0] > 0 && outcome[1] > 0, "the mutations should both keep and break files");
    }

    /** Opens the file and reads every tensor fully (mapped where small, ranged reads otherwise). */
    private static boolean readAll(Path file) {
        try (SafetensorsFile f = SafetensorsFile.open(file)) {
            for (SafetensorsFile.Entry e : f.entries().values()) {
                TensorData d = f.data(e.name(), null);
                if (d.byteLength() <= 1 << 20) {
                    f.get(e.name()).toFloats();
                    ByteBuffer b = ByteBuffer.allocate((int) d.byteLength());
                    d.read(0, b);
                }
            }
            return true;
        }
    }

    private static List<byte[]> corpus() throws IOException {
        List<byte[]> c = new ArrayList<>();
        for (String comp : new String[] {"transformer", "vae", "text_encoder"}) {
            c.add(Files.readAllBytes(Golden.sana().resolve("model/" + comp).resolve(
                    comp.equals("text_encoder") ? "model.safetensors" : "diffusion_pytorch_model.safetensors")));
        }
        String two = "{\"__metadata__\":{\"format\":\"pt\"},\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[3],\"data_offsets\":[16,22]},\"e\":{\"dtype\":\"I64\",\"shape\":[0],\"data_offsets\":[22,22]}}";
        c.add(file(two, new byte[22]));
        c.add(file("{}", new byte[0]));
        c.add(file("{\"s\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[0,2]}}    ", new byte[2]));
        return c;
    }

    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    /** One to four mutations, biased towards the header, where the parser lives. */
    static byte[] mutate(byte[] in, SplittableRandom r) {
        byte[] b = in.clone();
        int n = 1 + r.nextInt(4);
        for (int k = 0; k < n; k++) {
            long hl = b.length >= 8 ? ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0) : 0;
            int headerEnd = (int) Math.max(8, Math.min(b.length, 8 + Math.max(0, Math.min(hl, b.length))));
            int pos = b.length == 0 ? 0 : (r.nextInt(4) == 0 ? r.nextInt(b.length) : r.nextInt(headerEnd));
            switch (r.nextInt(9)) {
                case 0 -> { if (b.length > 0) b[Math.min(pos, b.length - 1)] ^= (byte) (1 << r.nextInt(8)); }
                case 1 -> { if (b.length > 0) b[Math.min(pos, b.length - 1)] = (byte) r.nextInt(256); }
                case 2 -> { // header length field
                    if (b.length >= 8) {
                        long v = switch (r.nextInt(5)) {
                            case 0 -> hl + (r.nextBoolean() ? 1 : -1);
                            case 1 -> hl + r.nextInt(64) - 32;
                            case 2 -> r.nextLong();
                            case 3 -> (long) r.nextInt(1 << 20);
                            default -> Long.MAX_VALUE - r.nextInt(16);
                        };
                        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, v);
                    }
                }
                case 3 -> b = JsonFuzzer.splice(b, pos, SPLICES[r.nextInt(SPLICES.length)].getBytes(StandardCharsets.UTF_8), r.nextInt(3));
                case 4 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1)); // truncate
                case 5 -> { // append
                    byte[] tail = new byte[1 + r.nextInt(64)];
                    for (int i = 0; i < tail.length; i++) tail[i] = (byte) r.nextInt(256);
                    b = JsonFuzzer.splice(b, b.length, tail, 0);
                }
                case 6 -> b = JsonFuzzer.splice(b, pos, "[".repeat(1 + r.nextInt(20000)).getBytes(StandardCharsets.UTF_8), 0); // nesting bomb
                case 7 -> { // swap two header bytes
                    if (headerEnd > 9) {
                        int i = 8 + r.nextInt(headerEnd - 8);
                        int j = 8 + r.nextInt(headerEnd - 8);
                        byte t = b[i];
                        b[i] = b[j];
                        b[j] = t;
                    }
                }
                default -> { // a digit run becomes a huge or negative number
                    byte[] num = (r.nextBoolean() ? "-" : "") .concat(Long.toString(Math.abs(r.nextLong()))).getBytes(StandardCharsets.UTF_8);
                    b = JsonFuzzer.splice(b, pos, num, r.nextInt(4));
                }
            }
        }
        return b;
    }
}
