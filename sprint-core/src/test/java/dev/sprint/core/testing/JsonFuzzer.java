package dev.sprint.core.testing;

import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.sprint.api.SprintException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A seeded, JSON-aware mutation fuzzer for the parsers of JSON files (configs, {@code model_index.json},
 * checkpoint indexes). Each {@link Seed} is a real file, where it lives in a scratch copy of a model folder,
 * and the parse it feeds. Every input is one to four mutations of a seed: on the parsed tree (numbers made
 * huge, negative, fractional or NaN-like; lists and scalars swapped; keys deleted, duplicated, inserted or
 * swapped; lists emptied, lengthened to thousands of entries; nesting bombs; big and odd strings) and on the
 * text (truncation, unquoted keys, byte-order marks, malformed UTF-8, comments, trailing commas and garbage,
 * byte edits, token splices). The mutated bytes are written over the seed's file, the parse runs, and the
 * file is put back. The only throwable allowed out is a {@link SprintException}; anything else fails the run
 * with the input saved under the crash folder and the seed, iteration and mutation named.
 */
public final class JsonFuzzer {
    /** A parse that reads the seed's file (and may read the rest of its folder). */
    @FunctionalInterface
    public interface Parse {
        void run() throws Exception;
    }

    /**
     * One seed file.
     *
     * @param name  short label for reports
     * @param file  where the mutated bytes are written (the seed's bytes are put back after each input)
     * @param parse what reads it
     */
    public record Seed(String name, Path file, Parse parse) {}

    /**
     * Counts of one run: inputs accepted and rejected (by exception type), accepted/rejected per seed, the
     * slowest input, the wall time.
     */
    public record Report(long inputs, long accepted, Map<String, Long> rejected, Map<String, long[]> bySeed,
                         long slowestNanos, long wallNanos) {
        @Override
        public String toString() {
            StringBuilder seeds = new StringBuilder();
            bySeed.forEach((k, v) -> seeds.append(String.format("%n  %-40s %8d accepted %8d rejected", k, v[0], v[1])));
            return String.format("%d inputs in %.1f s: %d accepted, %d rejected %s; 0 other throwables; slowest input %.1f ms%s",
                    inputs, wallNanos / 1e9, accepted, rejected.values().stream().mapToLong(Long::longValue).sum(), rejected,
                    slowestNanos / 1e6, seeds);
        }
    }

    /** Numbers a config value may be turned into; raw JSON text (some of it not JSON at all). */
    private static final String[] NUMBERS = {
        "0", "-0", "-0.0", "1", "-1", "2", "3", "-2", "7", "0.5", "2.5", "1.5", "0.999999", "1.0000000001", "1e-7",
        "1e-320", "4.9e-324", "1e9", "-1e9", "1e18", "1e300", "-1e300", "1e308", "1.8e308", "1e999", "-1e999",
        "2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296", "4294967295", "65535", "65536", "65537",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "18446744073709551615",
        "123456789012345678901234567890", "1E2", "1e+2", "2.0", "2e0", "20e-1", "NaN", "-NaN", "Infinity", "-Infinity",
        "inf", "nan", "0x10", "01", "00", "1.", ".5", "+1", "-", "1e", "1e+", "--1", "1_000", "\"2\"", "\"NaN\"", "\"1e999\"",
        "true", "false", "null",
    };

    /** Strings a value may be turned into (class names and values the parsers compare against, and oddities). */
    private static final String[] STRINGS = {
        "", " ", "null", "None", "SanaSprintPipeline", "SanaPipeline", "SanaControlNetPipeline", "SanaSprintImg2ImgPipeline",
        "StableDiffusion3Pipeline", "SanaTransformer2DModel", "SD3Transformer2DModel", "AutoencoderDC", "AutoencoderKL",
        "Gemma2Model", "Gemma2ForCausalLM", "SCMScheduler", "FlowMatchEulerDiscreteScheduler", "SanaControlNetModel",
        "CLIPTextModelWithProjection", "T5EncoderModel", "diffusers", "transformers", "trigflow", "rms_norm",
        "rms_norm_across_heads", "ResBlock", "EfficientViTBlock", "pixel_shuffle", "interpolate", "pixel_unshuffle", "Conv",
        "silu", "relu", "gelu", "gelu_pytorch_tanh", "quick_gelu", "gelu_new", "gated-gelu", "gated-", "-", "gated-silu",
        "LORA", "LOHA", "model.safetensors", "../model.safetensors", "/etc/passwd", "a/../../b.safetensors", "..", ".",
        "C:\\x.safetensors", "x\u0000y", "\uD800", "\uDFFF\uD800", "\uFEFF", "é", "😀", "[", "(", "*", "+", ".*", "(a+)+$",
        "\\", "\\Q", "{", "a{99999}", "transformer_blocks.0", "%s%n",
    };

    /** Tokens spliced into the text. */
    private static final String[] TOKENS = {
        "[", "]", "{", "}", ",", ":", "\"", "'", "\\", "-1", "0", "1e999", "NaN", "null", "true", "{}", "[]", "[[", "]]",
        "//", "/*", "*/", "#", "\u0000", "\t", "\n", "\r", " ", "\uFEFF", "\\u0000", "\\uD800", "\\ud800\\u0041", "\\x41",
        "\\", ",,", "::", "\"\":", "{\"a\":1}", "[0,0]",
    };

    /** Keys the parsers read, so that inserted keys reach them. */
    private static final String[] EXTRA_KEYS = {
        "interpolation_scale", "qk_norm", "_class_name", "architectures", "use_dynamic_shifting", "use_karras_sigmas",
        "stochastic_sampling", "shift_terminal", "invert_sigmas", "is_decoder", "dual_attention_layers", "use_quant_conv",
        "use_post_quant_conv", "use_dora", "lora_bias", "use_rslora", "rank_pattern", "alpha_pattern", "r", "lora_alpha",
        "attn_logit_softcapping", "weight_map", "metadata", "__metadata__", "encoder_qkv_multiscales",
        "decoder_qkv_multiscales", "hidden_activation", "hidden_act", "feed_forward_proj", "controlnet", "text_encoder_3",
        "",
    };

    private final List<Seed> seeds;
    private final List<byte[]> originals = new ArrayList<>();
    private final List<JsonElement> trees = new ArrayList<>();
    private final String[] keys;
    private final List<JsonElement> values = new ArrayList<>();

    public JsonFuzzer(List<Seed> seeds) {
        this.seeds = List.copyOf(seeds);
        Set<String> k = new LinkedHashSet<>(Arrays.asList(EXTRA_KEYS));
        for (Seed s : seeds) {
            byte[] b = read(s.file());
            originals.add(b);
            JsonElement tree = JsonParser.parseString(new String(b, StandardCharsets.UTF_8));
            trees.add(tree);
            collect(tree, k, values);
        }
        keys = k.toArray(String[]::new);
    }

    private static void collect(JsonElement e, Set<String> keys, List<JsonElement> values) {
        List<JsonElement> todo = new ArrayList<>(List.of(e));
        while (!todo.isEmpty()) {
            JsonElement x = todo.remove(todo.size() - 1);
            if (values.size() < 2000) values.add(x);
            if (x.isJsonObject()) {
                for (Map.Entry<String, JsonElement> m : x.getAsJsonObject().entrySet()) {
                    if (keys.size() < 5000) keys.add(m.getKey());
                    todo.add(m.getValue());
                }
            } else if (x.isJsonArray()) {
                x.getAsJsonArray().forEach(todo::add);
            }
        }
    }

    /**
     * The fuzzer as a test: {@code -Dsprint.fuzz.iterations} inputs (default {@code iterations}) from
     * {@code -Dsprint.fuzz.seed} (default {@code seed}), under a wall-clock bound of two minutes plus 10 ms an
     * input (a hang fails it); prints the report; fails unless every seed saw inputs both accepted and rejected
     * (else its mutations never reach the parser, or never pass it) and no input took 30 s. Crashing inputs are
     * kept in the module's {@code target/fuzz-crashes/}.
     */
    public static Report runTest(String label, List<Seed> seeds, long iterations, long seed) throws IOException {
        long n = Long.getLong("sprint.fuzz.iterations", iterations);
        long from = Long.getLong("sprint.fuzz.seed", seed);
        JsonFuzzer fuzzer = new JsonFuzzer(seeds);
        // crashing inputs are kept where the build leaves its output (a test's temporary folder is deleted)
        Path crashes = Files.createDirectories(Path.of("target", "fuzz-crashes"));
        Report report = assertTimeoutPreemptively(Duration.ofSeconds(120 + n / 100), () -> fuzzer.run(n, from, crashes));
        System.out.println(label + " fuzz (seed " + from + "): " + report);
        for (Map.Entry<String, long[]> e : report.bySeed().entrySet()) {
            assertTrue(e.getValue()[0] > 0 && e.getValue()[1] > 0, e.getKey() + " should see inputs both accepted and rejected");
        }
        assertTrue(report.slowestNanos() < 30_000_000_000L, "an input took " + report.slowestNanos() / 1e9 + " s");
        return report;
    }

    /**
     * Runs {@code iterations} inputs from {@code seed}. Fails on the first throwable that is not a
     * {@link SprintException} (the input is kept in {@code crashes}); returns the counts otherwise.
     */
    public Report run(long iterations, long seed, Path crashes) {
        SplittableRandom r = new SplittableRandom(seed);
        long accepted = 0;
        long slowest = 0;
        Map<String, Long> rejected = new TreeMap<>();
        Map<String, long[]> bySeed = new java.util.LinkedHashMap<>();
        for (Seed s : seeds) bySeed.put(s.name(), new long[2]);
        long t0 = System.nanoTime();
        for (long i = 0; i < iterations; i++) {
            int which = r.nextInt(seeds.size());
            Seed s = seeds.get(which);
            StringBuilder how = new StringBuilder();
            byte[] input = mutate(which, r, how);
            write(s.file(), input);
            long start = System.nanoTime();
            try {
                s.parse().run();
                accepted++;
                bySeed.get(s.name())[0]++;
            } catch (SprintException expected) {
                rejected.merge(expected.getClass().getSimpleName(), 1L, Long::sum);
                bySeed.get(s.name())[1]++;
            } catch (Throwable t) {
                Path keep = crashes.resolve("crash-" + s.name().replaceAll("[^A-Za-z0-9_.-]", "_") + "-" + i + ".json");
                write(keep, input);
                throw new AssertionError("input " + i + " (seed " + seed + ", " + s.name() + ", mutations" + how + ") threw "
                        + t + "; kept as " + keep, t);
            } finally {
                slowest = Math.max(slowest, System.nanoTime() - start);
                write(s.file(), originals.get(which));
            }
            if ((i + 1) % 100_000 == 0) { // a long run says how far it is
                System.out.printf("  %d inputs, %d accepted, %.0f s%n", i + 1, accepted, (System.nanoTime() - t0) / 1e9);
            }
        }
        return new Report(iterations, accepted, rejected, bySeed, slowest, System.nanoTime() - t0);
    }

    /** One input: tree mutations (most of the time), then text mutations (some of the time). */
    byte[] mutate(int which, SplittableRandom r, StringBuilder how) {
        String text;
        if (r.nextInt(8) == 0) {
            text = new String(originals.get(which), StandardCharsets.UTF_8);
        } else {
            JsonElement tree = trees.get(which).deepCopy();
            Writer w = new Writer();
            int n = 1 + r.nextInt(3);
            for (int k = 0; k < n; k++) tree = mutateTree(tree, r, w, how);
            text = w.write(tree, r.nextInt(4) == 0);
        }
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        if (r.nextInt(3) == 0 || how.isEmpty()) {
            int n = 1 + r.nextInt(2);
            for (int k = 0; k < n; k++) b = mutateText(b, r, how);
        }
        return b;
    }

    /** A place in the tree a value sits in: an object member or an array element. */
    private record Slot(JsonElement parent, String key, int index) {
        JsonElement get() {
            return parent.isJsonObject() ? parent.getAsJsonObject().get(key) : parent.getAsJsonArray().get(index);
        }

        void set(JsonElement v) {
            if (parent.isJsonObject()) parent.getAsJsonObject().add(key, v);
            else parent.getAsJsonArray().set(index, v);
        }
    }

    private static List<Slot> slots(JsonElement root) {
        List<Slot> out = new ArrayList<>();
        List<JsonElement> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            JsonElement x = todo.remove(todo.size() - 1);
            if (x.isJsonObject()) {
                for (Map.Entry<String, JsonElement> m : x.getAsJsonObject().entrySet()) {
                    out.add(new Slot(x, m.getKey(), -1));
                    todo.add(m.getValue());
                }
            } else if (x.isJsonArray()) {
                JsonArray a = x.getAsJsonArray();
                for (int i = 0; i < Math.min(a.size(), 64); i++) {
                    out.add(new Slot(x, null, i));
                    todo.add(a.get(i));
                }
            }
        }
        return out;
    }

    private static <T> T pick(List<T> l, SplittableRandom r) {
        return l.get(r.nextInt(l.size()));
    }

    private static String pick(String[] a, SplittableRandom r) {
        return a[r.nextInt(a.length)];
    }

    private JsonElement mutateTree(JsonElement root, SplittableRandom r, Writer w, StringBuilder how) {
        List<Slot> slots = slots(root);
        if (slots.isEmpty() || r.nextInt(40) == 0) {
            how.append(" root");
            return switch (r.nextInt(5)) {
                case 0 -> w.raw(pick(NUMBERS, r));
                case 1 -> wrap(root);
                case 2 -> new JsonArray();
                case 3 -> JsonNull.INSTANCE;
                default -> new JsonPrimitive(pick(STRINGS, r));
            };
        }
        Slot s = pick(slots, r);
        JsonElement v = s.get();
        switch (r.nextInt(12)) {
            case 0, 1 -> { // a number (or any scalar) becomes another number, or NaN-like text
                how.append(" number");
                s.set(numeric(v, r, w));
            }
            case 2 -> { // lists and scalars swap
                how.append(" kind");
                s.set(switch (r.nextInt(8)) {
                    case 0 -> wrap(v);
                    case 1 -> v.isJsonArray() && !v.getAsJsonArray().isEmpty() ? v.getAsJsonArray().get(0) : new JsonArray();
                    case 2 -> v.isJsonPrimitive() ? new JsonPrimitive(v.getAsString()) : new JsonPrimitive(v.toString());
                    case 3 -> JsonNull.INSTANCE;
                    case 4 -> new JsonPrimitive(r.nextBoolean());
                    case 5 -> new JsonObject();
                    case 6 -> { JsonObject o = new JsonObject(); o.add(pick(keys, r), v); yield o; }
                    default -> { JsonArray a = new JsonArray(); a.add(v); a.add(v); yield a; }
                });
            }
            case 3 -> { // delete
                how.append(" delete");
                if (s.parent().isJsonObject()) s.parent().getAsJsonObject().remove(s.key());
                else s.parent().getAsJsonArray().remove(s.index());
            }
            case 4 -> { // duplicate key, with the same or another value
                how.append(" duplicate");
                if (s.parent().isJsonObject()) {
                    JsonElement dup = r.nextBoolean() ? v : pick(values, r).deepCopy();
                    s.parent().getAsJsonObject().add(w.duplicate(s.key()), dup);
                }
            }
            case 5 -> { // insert a key the parsers know with some value
                how.append(" insert");
                // into the value itself when it is an object (so empty objects get members), else next to it
                JsonElement target = v != null && v.isJsonObject() && r.nextBoolean() ? v
                        : s.parent().isJsonObject() ? s.parent() : root.isJsonObject() ? root : null;
                if (target != null) {
                    String key = r.nextInt(4) == 0 ? pick(STRINGS, r) : pick(keys, r);
                    target.getAsJsonObject().add(key, r.nextBoolean() ? pick(values, r).deepCopy() : numeric(v, r, w));
                }
            }
            case 6 -> { // list length and content
                how.append(" list");
                JsonArray a = v.isJsonArray() ? v.getAsJsonArray() : s.parent().isJsonArray() ? s.parent().getAsJsonArray() : null;
                if (a != null) editList(a, r, w);
                else s.set(wrap(v));
            }
            case 7 -> { // strings
                how.append(" string");
                s.set(string(r));
            }
            case 8 -> { // nesting bomb in place of the value
                how.append(" nesting");
                s.set(w.raw(bomb(r)));
            }
            case 9 -> { // two values swap places
                how.append(" swap");
                Slot o = pick(slots, r);
                JsonElement ov = o.get();
                if (ov != null && v != null && !contains(v, ov) && !contains(ov, v)) {
                    s.set(ov.deepCopy());
                    o.set(v.deepCopy());
                }
            }
            case 10 -> { // a key renamed (another known key, or a near miss)
                how.append(" rename");
                if (s.parent().isJsonObject()) {
                    JsonObject p = s.parent().getAsJsonObject();
                    p.remove(s.key());
                    String k = switch (r.nextInt(4)) {
                        case 0 -> s.key().toUpperCase(java.util.Locale.ROOT);
                        case 1 -> s.key() + " ";
                        case 2 -> s.key().isEmpty() ? "x" : s.key().substring(1);
                        default -> pick(keys, r);
                    };
                    p.add(k, v);
                }
            }
            default -> { // a value taken from elsewhere in the seeds
                how.append(" transplant");
                s.set(pick(values, r).deepCopy());
            }
        }
        return root;
    }

    private static boolean contains(JsonElement outer, JsonElement inner) {
        if (outer == inner) return true;
        if (outer.isJsonObject()) {
            for (Map.Entry<String, JsonElement> m : outer.getAsJsonObject().entrySet()) if (contains(m.getValue(), inner)) return true;
        } else if (outer.isJsonArray()) {
            for (JsonElement x : outer.getAsJsonArray()) if (contains(x, inner)) return true;
        }
        return false;
    }

    private static JsonArray wrap(JsonElement v) {
        JsonArray a = new JsonArray();
        a.add(v);
        return a;
    }

    private static JsonElement numeric(JsonElement v, SplittableRandom r, Writer w) {
        if (v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber() && r.nextBoolean()) {
            double d = v.getAsDouble();
            return switch (r.nextInt(7)) {
                case 0 -> new JsonPrimitive(-d);
                case 1 -> new JsonPrimitive(d + 0.5);
                case 2 -> new JsonPrimitive(d * (1 + r.nextInt(1 << 16)));
                case 3 -> new JsonPrimitive((long) d + (r.nextBoolean() ? 1 : -1));
                case 4 -> new JsonPrimitive(d / (2 + r.nextInt(7)));
                case 5 -> w.raw(v.getAsString() + "e" + (r.nextInt(700) - 350));
                default -> new JsonPrimitive(r.nextLong() >> r.nextInt(64));
            };
        }
        return switch (r.nextInt(4)) {
            case 0 -> new JsonPrimitive(r.nextInt(2000) - 1000);
            case 1 -> new JsonPrimitive(r.nextDouble() * Math.pow(10, r.nextInt(40) - 20) * (r.nextBoolean() ? 1 : -1));
            default -> w.raw(pick(NUMBERS, r));
        };
    }

    private void editList(JsonArray a, SplittableRandom r, Writer w) {
        switch (r.nextInt(7)) {
            case 0 -> { while (!a.isEmpty()) a.remove(a.size() - 1); }
            case 1 -> { if (!a.isEmpty()) a.remove(r.nextInt(a.size())); }
            case 2 -> a.add(a.isEmpty() ? pick(values, r).deepCopy() : a.get(r.nextInt(a.size())).deepCopy());
            case 3 -> { // long list: thousands (or a hundred thousand) of entries
                int n = switch (r.nextInt(4)) { case 0 -> 4097; case 1 -> 100_000; default -> 2 + r.nextInt(5000); };
                JsonElement x = a.isEmpty() ? new JsonPrimitive(1) : a.get(0);
                // a long list of scalars, not gigabytes of copied objects or strings
                if (!x.isJsonPrimitive() || x.getAsJsonPrimitive().isString() && x.getAsString().length() > 64) n = Math.min(n, 64);
                for (int i = 0; i < n; i++) a.add(x);
            }
            case 4 -> { if (!a.isEmpty()) a.set(r.nextInt(a.size()), numeric(a.get(0), r, w)); }
            case 5 -> { // reverse
                List<JsonElement> l = new ArrayList<>();
                a.forEach(l::add);
                for (int i = 0; i < l.size(); i++) a.set(i, l.get(l.size() - 1 - i));
            }
            default -> { if (!a.isEmpty()) a.set(r.nextInt(a.size()), JsonNull.INSTANCE); }
        }
    }

    private static JsonElement string(SplittableRandom r) {
        return switch (r.nextInt(6)) {
            case 0 -> new JsonPrimitive("x".repeat(1 << r.nextInt(r.nextInt(200) == 0 ? 24 : 20))); // up to 16 M characters
            case 1 -> { // random code points, surrogates and controls included
                StringBuilder b = new StringBuilder();
                int n = r.nextInt(40);
                for (int i = 0; i < n; i++) b.append((char) r.nextInt(r.nextBoolean() ? 128 : 0x10000));
                yield new JsonPrimitive(b.toString());
            }
            default -> new JsonPrimitive(pick(STRINGS, r));
        };
    }

    private static String bomb(SplittableRandom r) {
        int[] depths = {2, 10, 63, 64, 65, 100, 1000, 5000, 100_000, 1_000_000};
        int d = depths[r.nextInt(depths.length)];
        return switch (r.nextInt(4)) {
            case 0 -> "[".repeat(d) + "]".repeat(d);
            case 1 -> "{\"a\":".repeat(d) + "1" + "}".repeat(d);
            case 2 -> "[".repeat(d); // unbalanced
            default -> "[{\"a\":".repeat(d / 2) + "0" + "}]".repeat(d / 2);
        };
    }

    private byte[] mutateText(byte[] b, SplittableRandom r, StringBuilder how) {
        int pos = b.length == 0 ? 0 : r.nextInt(b.length + 1);
        switch (r.nextInt(12)) {
            case 0 -> { how.append(" truncate"); return Arrays.copyOf(b, r.nextInt(b.length + 1)); }
            case 1 -> { // unquote a key
                how.append(" unquote");
                String s = new String(b, StandardCharsets.UTF_8);
                int at = s.indexOf("\":", pos < s.length() ? pos : 0);
                if (at > 0) {
                    int open = s.lastIndexOf('"', at - 1);
                    if (open >= 0) s = s.substring(0, open) + s.substring(open + 1, at) + s.substring(at + 1);
                }
                return s.getBytes(StandardCharsets.UTF_8);
            }
            case 2 -> { // byte-order marks and other encodings
                how.append(" bom");
                return switch (r.nextInt(4)) {
                    case 0 -> splice(b, 0, new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF}, 0);
                    case 1 -> splice(b, 0, new byte[] {(byte) 0xFE, (byte) 0xFF}, 0);
                    case 2 -> splice(b, 0, new byte[] {(byte) 0xFF, (byte) 0xFE}, 0);
                    default -> new String(b, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16);
                };
            }
            case 3 -> { // malformed UTF-8: a lone continuation byte, an overlong form, an encoded surrogate, a cut sequence
                how.append(" utf8");
                byte[][] bad = {{(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xED, (byte) 0xA0, (byte) 0x80},
                    {(byte) 0xE2, (byte) 0x82}, {(byte) 0xFF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}};
                return splice(b, pos, bad[r.nextInt(bad.length)], 0);
            }
            case 4 -> { // trailing content
                how.append(" trailing");
                String[] tails = {"}", "]", "x", "\u0000", "{}", " \n\t ", "//c", "/*c*/", ",", "\"", "\uFEFF", "{\"a\":1}"};
                return splice(b, b.length, tails[r.nextInt(tails.length)].getBytes(StandardCharsets.UTF_8), 0);
            }
            case 5 -> { // lenient JSON: trailing commas, single quotes, comments
                how.append(" lenient");
                String s = new String(b, StandardCharsets.UTF_8);
                s = switch (r.nextInt(3)) {
                    case 0 -> s.replaceFirst("(\\S)(\\s*[}\\]])", "$1,$2");
                    case 1 -> s.replace('"', '\'');
                    default -> s.replaceFirst(",", ", // comment\n");
                };
                return s.getBytes(StandardCharsets.UTF_8);
            }
            case 6 -> { how.append(" flip"); if (b.length > 0) b[Math.min(pos, b.length - 1)] ^= (byte) (1 << r.nextInt(8)); return b; }
            case 7 -> { how.append(" byte"); if (b.length > 0) b[Math.min(pos, b.length - 1)] = (byte) r.nextInt(256); return b; }
            case 8 -> { how.append(" cut"); return splice(b, pos, new byte[0], 1 + r.nextInt(16)); }
            case 9 -> { // a run of the file repeated in place
                how.append(" repeat");
                int len = Math.min(b.length - Math.min(pos, b.length), 1 + r.nextInt(64));
                byte[] run = Arrays.copyOfRange(b, Math.min(pos, b.length), Math.min(pos, b.length) + len);
                return splice(b, pos, run, 0);
            }
            case 10 -> { how.append(" empty"); return r.nextBoolean() ? new byte[0] : " ".getBytes(StandardCharsets.UTF_8); }
            default -> { how.append(" token"); return splice(b, pos, pick(TOKENS, r).getBytes(StandardCharsets.UTF_8), r.nextInt(3)); }
        }
    }

    /** Replaces {@code remove} bytes at {@code pos} with {@code insert}. */
    public static byte[] splice(byte[] b, int pos, byte[] insert, int remove) {
        pos = Math.max(0, Math.min(pos, b.length));
        remove = Math.min(remove, b.length - pos);
        byte[] out = new byte[b.length - remove + insert.length];
        System.arraycopy(b, 0, out, 0, pos);
        System.arraycopy(insert, 0, out, pos, insert.length);
        System.arraycopy(b, pos + remove, out, pos + insert.length, b.length - pos - remove);
        return out;
    }

    /**
     * Serialises a mutated tree. Values that are not JSON (raw number text, nesting bombs) and duplicate keys
     * (which a {@link JsonObject} cannot hold) are placeholders in the tree that this writer spells out.
     */
    private static final class Writer {
        private static final String RAW = "\u0000raw:";
        private static final String DUP = "\u0000dup:";
        private final List<String> raws = new ArrayList<>();
        private int dups;

        JsonElement raw(String text) {
            raws.add(text);
            return new JsonPrimitive(RAW + (raws.size() - 1));
        }

        String duplicate(String key) {
            return DUP + (dups++) + ":" + key;
        }

        /**
         * Inputs are cut at {@value #MAX_CHARS} characters: above the largest file a parser accepts (16 MiB), and
         * mutations that compound (a long list of big strings) cannot exhaust the fuzzer's own heap.
         */
        static final int MAX_CHARS = 20 << 20;

        /** Thrown to stop writing an input at {@link #MAX_CHARS}. */
        private static final class Full extends RuntimeException {
            Full() {
                super(null, null, false, false);
            }
        }

        String write(JsonElement e, boolean pretty) {
            StringBuilder b = new StringBuilder();
            try {
                write(e, b, pretty ? 0 : -1);
            } catch (Full full) {
                b.setLength(MAX_CHARS);
            }
            return b.toString();
        }

        private void write(JsonElement e, StringBuilder b, int indent) {
            if (b.length() > MAX_CHARS) throw new Full();
            if (e == null || e.isJsonNull()) {
                b.append("null");
            } else if (e.isJsonPrimitive()) {
                JsonPrimitive p = e.getAsJsonPrimitive();
                if (p.isString() && p.getAsString().startsWith(RAW)) b.append(raws.get(Integer.parseInt(p.getAsString().substring(RAW.length()))));
                else if (p.isNumber()) b.append(number(p));
                else b.append(p);
            } else if (e.isJsonArray()) {
                b.append('[');
                boolean first = true;
                for (JsonElement x : e.getAsJsonArray()) {
                    if (!first) b.append(',');
                    first = false;
                    newline(b, indent + 1);
                    write(x, b, indent < 0 ? -1 : indent + 1);
                }
                newline(b, indent);
                b.append(']');
            } else {
                b.append('{');
                boolean first = true;
                for (Map.Entry<String, JsonElement> m : e.getAsJsonObject().entrySet()) {
                    if (!first) b.append(',');
                    first = false;
                    newline(b, indent + 1);
                    String k = m.getKey();
                    if (k.startsWith(DUP)) k = k.substring(k.indexOf(':', DUP.length()) + 1);
                    b.append(new JsonPrimitive(k)).append(indent < 0 ? ":" : ": ");
                    write(m.getValue(), b, indent < 0 ? -1 : indent + 1);
                }
                newline(b, indent);
                b.append('}');
            }
        }

        /** Whole doubles as integers (as Python writes them), others as Java spells them (1.0E-6 is valid JSON). */
        private static String number(JsonPrimitive p) {
            Number n = p.getAsNumber();
            if (n instanceof Double || n instanceof Float) {
                double d = n.doubleValue();
                if (!Double.isFinite(d)) return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
                if (d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString((long) d);
                return Double.toString(d);
            }
            return p.getAsString();
        }

        private static void newline(StringBuilder b, int indent) {
            if (indent < 0) return;
            b.append('\n');
            b.append("  ".repeat(indent));
        }
    }

    /** A copy of the JSON files of a model folder (no weights) under {@code dir}: the parsers' view of it. */
    public static Path jsonSkeleton(Path source, Path dir) {
        try (java.util.stream.Stream<Path> all = Files.walk(source)) {
            for (Path p : (Iterable<Path>) all::iterator) {
                Path to = dir.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(to);
                else if (p.getFileName().toString().endsWith(".json")) Files.copy(p, to);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void write(Path p, byte[] b) {
        try {
            Files.write(p, b);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
