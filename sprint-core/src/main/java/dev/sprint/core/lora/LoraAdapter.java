package dev.sprint.core.lora;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.hub.ModelLocator;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.SafetensorsFile;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.HostTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;

/**
 * One LoRA file read and fitted to a base model: for each base weight it changes, the adapter's A and B tensors
 * and its factor {@code alpha / r} ({@code alpha / √r} with rsLoRA). Three key layouts are read:
 * <ul>
 *   <li>PEFT ({@code base_model.model.<module>.lora_A.weight}, {@code …lora_B.weight}) with
 *       {@code adapter_config.json};</li>
 *   <li>diffusers' {@code save_lora_weights} ({@code transformer.<module>.lora_A.weight}, {@code …lora_B.weight},
 *       optional {@code transformer.<module>.alpha}); alphas from {@code .alpha} keys, else an
 *       {@code adapter_config.json} beside the file, else the {@code lora_adapter_metadata} diffusers writes into
 *       the safetensors header, else alpha = r (diffusers' default: scale 1);</li>
 *   <li>kohya ({@code lora_transformer_<module>.lora_down.weight}, {@code .lora_up.weight}, {@code .alpha}, also
 *       {@code lora_unet_…}): the name is the module path with dots written as underscores, so it is mapped back
 *       through the base model's own module names (exactly the path diffusers' conversions give for
 *       diffusers-layout transformers); a missing {@code .alpha} means alpha = r.</li>
 * </ul>
 * Everything is checked when the adapter is opened (nothing is merged here): a module the base does not have,
 * a shape that does not fit, a text-encoder or UNet key, DoRA and other LoRA variants are errors naming the key.
 */
final class LoraAdapter implements AutoCloseable {
    /** Largest LoRA rank accepted (released adapters use 4..256). */
    static final int MAX_RANK = 1 << 16;
    /** Longest pattern key accepted, and the most characters one match may look at (a hostile regex cannot hang the load). */
    private static final int MAX_PATTERN = 1024;
    private static final long MATCH_BUDGET = 1_000_000;
    /** diffusers' {@code LORA_WEIGHT_NAME_SAFE} and PEFT's {@code SAFETENSORS_WEIGHTS_NAME}. */
    static final List<String> FILE_NAMES = List.of("pytorch_lora_weights.safetensors", "adapter_model.safetensors");
    private static final String PEFT_PREFIX = "base_model.model.";
    private static final String DIFFUSERS_PREFIX = "transformer.";
    private static final List<String> KOHYA_PREFIXES = List.of("lora_transformer_", "lora_unet_");
    private static final List<String> TEXT_PREFIXES = List.of("text_encoder.", "text_encoder_2.", "text_encoder_3.", "lora_te_",
            "lora_te1_", "lora_te2_", "lora_te3_", "te.", "te1.", "te2.");

    /**
     * One adapted base weight.
     *
     * @param target     the base weight's name ({@code <module>.weight})
     * @param a          A / lora_down tensor name in the adapter file
     * @param b          B / lora_up tensor name
     * @param factor     alpha / r (alpha / √r with rsLoRA), before the user's scale
     * @param transposed the base stores the weight as (in, out) ({@code fan_in_fan_out})
     */
    record Module(String target, String a, String b, double factor, boolean transposed) {}

    private final SafetensorsFile file;
    private final String label;
    private final List<Module> modules = new ArrayList<>();

    private LoraAdapter(SafetensorsFile file, String label) {
        this.file = file;
        this.label = label;
    }

    /**
     * Opens the adapter a {@link Lora} names and fits it to {@code base}.
     *
     * @param family the base model's family as users know it ("Sana", "SD3"), for the error when an adapter is
     *               for another one
     */
    static LoraAdapter open(Lora lora, WeightSource base, String family) {
        Path weights = locate(lora.source());
        Path dir = weights.toAbsolutePath().getParent();
        Path cfgFile = dir == null ? null : dir.resolve("adapter_config.json");
        Config config = cfgFile != null && Files.isRegularFile(cfgFile) ? Config.read(cfgFile) : null;
        SafetensorsFile file = SafetensorsFile.open(weights);
        try {
            LoraAdapter a = new LoraAdapter(file, lora.source());
            a.fit(base, family, config);
            return a;
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The safetensors file of a LoRA source: the file itself, or the adapter file of a folder or repo. */
    static Path locate(String source) {
        Path p = null;
        try {
            p = Path.of(source);
        } catch (java.nio.file.InvalidPathException ignored) {
            // not a path on this OS: a repo id
        }
        if (p != null && Files.isRegularFile(p)) return p;
        if (p == null || !Files.isDirectory(p)) {
            if (source.endsWith(".safetensors")) throw new ModelLoadException("LoRA file " + source + " does not exist");
            p = ModelLocator.resolve(source);
        }
        for (String n : FILE_NAMES) {
            if (Files.isRegularFile(p.resolve(n))) return p.resolve(n);
        }
        List<Path> found;
        try (Stream<Path> s = Files.list(p)) {
            found = s.filter(f -> f.getFileName().toString().endsWith(".safetensors") && Files.isRegularFile(f)).sorted().toList();
        } catch (IOException e) {
            throw new ModelLoadException("cannot list LoRA folder " + p + ": " + e.getMessage(), e);
        }
        if (found.size() == 1) return found.get(0);
        throw new ModelLoadException("LoRA folder " + p + (found.isEmpty() ? " holds no .safetensors file" : " holds several .safetensors files "
                + found.stream().map(f -> f.getFileName().toString()).toList()) + "; expected one of " + FILE_NAMES
                + " (pass the file itself to choose)");
    }

    /** Where the adapter came from, for logs and messages. */
    String label() {
        return label;
    }

    List<Module> modules() {
        return modules;
    }

    HostTensor get(String name) {
        return file.get(name);
    }

    @Override
    public void close() {
        file.close();
    }

    // ---- reading the keys ---------------------------------------------------------------------------

    /** The A/B pair of one module as the file names it. */
    private record Pair(String module, String a, String b, String alpha) {}

    private void fit(WeightSource base, String family, Config folderConfig) {
        Set<String> names = file.names();
        if (names.isEmpty()) throw new ModelLoadException("LoRA " + label + " holds no tensors");
        for (String k : names) {
            if (k.contains("dora_scale") || k.contains("lora_magnitude_vector")) {
                throw new UnsupportedModelException("LoRA " + label + " is a DoRA adapter (key '" + k + "'); only plain LoRA is supported");
            }
            if (k.contains("hada_w") || k.contains("lokr_w") || k.endsWith(".diff") || k.endsWith(".diff_b")) {
                throw new UnsupportedModelException("LoRA " + label + " is a LyCORIS (LoHa/LoKr/full-diff) adapter (key '" + k
                        + "'); only plain LoRA (lora_A/lora_B or lora_down/lora_up) is supported");
            }
            for (String t : TEXT_PREFIXES) {
                if (k.startsWith(t)) {
                    throw new UnsupportedModelException("LoRA " + label + " adapts a text encoder (key '" + k + "'); Sprint fuses"
                            + " LoRAs into the " + family + " transformer only. Save the adapter without its text-encoder"
                            + " layers (diffusers: save_lora_weights with transformer_lora_layers only)");
                }
            }
            if (k.startsWith("unet.") || k.startsWith("lora_unet_down_blocks") || k.startsWith("lora_unet_up_blocks")
                    || k.startsWith("lora_unet_input_blocks") || k.startsWith("lora_unet_mid_block")) {
                throw new ModelLoadException("LoRA " + label + " is for a UNet model (Stable Diffusion 1.x/2.x/SDXL; key '" + k
                        + "'), not for this " + family + " transformer");
            }
            if (k.startsWith("lora_unet_joint_blocks_") || k.startsWith("lora_unet_x_embedder") || k.startsWith("lora_unet_final_layer")) {
                throw new UnsupportedModelException("LoRA " + label + " uses Stability AI's original SD3 module names (key '" + k
                        + "', fused qkv); diffusers does not load these for SD3 and neither does Sprint. Convert it to the"
                        + " diffusers layout (transformer.transformer_blocks.N.attn.to_q.lora_A.weight, …)");
            }
        }
        List<Pair> pairs;
        Config config = folderConfig;
        String first = names.iterator().next();
        if (names.stream().allMatch(k -> k.startsWith(PEFT_PREFIX))) {
            pairs = peftPairs(names, PEFT_PREFIX, false);
            if (config == null) {
                throw new ModelLoadException("PEFT LoRA " + label + " (keys " + PEFT_PREFIX + "…) has no adapter_config.json beside it");
            }
        } else if (names.stream().allMatch(k -> k.startsWith(DIFFUSERS_PREFIX))) {
            pairs = peftPairs(names, DIFFUSERS_PREFIX, true);
            if (config == null) config = headerConfig();
        } else if (names.stream().allMatch(k -> KOHYA_PREFIXES.stream().anyMatch(k::startsWith))) {
            pairs = kohyaPairs(names, base);
            config = null; // kohya files carry their alphas
        } else {
            String bad = names.stream().filter(k -> !k.startsWith(PEFT_PREFIX) && !k.startsWith(DIFFUSERS_PREFIX)
                    && KOHYA_PREFIXES.stream().noneMatch(k::startsWith)).findFirst().orElse(first);
            throw new ModelLoadException("LoRA " + label + ": key '" + bad + "' is not a LoRA key of a known layout (diffusers "
                    + DIFFUSERS_PREFIX + "<module>.lora_A.weight, PEFT " + PEFT_PREFIX + "<module>.lora_A.weight, kohya"
                    + " lora_transformer_<module>.lora_down.weight), or the file mixes layouts");
        }
        if (pairs.isEmpty()) throw new ModelLoadException("LoRA " + label + " has no lora_A/lora_B (lora_down/lora_up) pairs");
        checkFamily(pairs, base, family);
        Rules rules = config == null ? null : new Rules(config);
        Map<String, String> seen = new HashMap<>();
        for (Pair p : pairs) {
            String target = p.module() + ".weight";
            String before = seen.put(target, p.a());
            if (before != null) {
                throw new ModelLoadException("LoRA " + label + ": keys '" + before + "' and '" + p.a() + "' both adapt " + target);
            }
            long[] as = file.get(p.a()).shape();
            long[] bs = file.get(p.b()).shape();
            if (as.length < 2 || bs.length < 2) {
                throw new ModelLoadException("LoRA " + label + ": '" + p.a() + "' " + Arrays.toString(as) + " / '" + p.b() + "' "
                        + Arrays.toString(bs) + " are not LoRA matrices");
            }
            int rank = Math.toIntExact(Math.min(as[0], Integer.MAX_VALUE));
            if (rank < 1 || rank > MAX_RANK) throw new ModelLoadException("LoRA " + label + ": '" + p.a() + "' has rank " + as[0]);
            double alpha;
            double factor;
            boolean transposed = false;
            if (p.alpha() != null) {
                alpha = scalar(p.alpha());
                factor = alpha / rank;
            } else if (rules != null) {
                int r = (int) rules.rank(p.module());
                if (r != rank) {
                    throw new ModelLoadException("LoRA " + label + ": '" + p.a() + "' has rank " + rank + " but the adapter config says r = "
                            + r + " for " + p.module() + " (" + rules.origin + ")");
                }
                alpha = rules.alpha(p.module());
                factor = rules.rslora ? alpha / Math.sqrt(rank) : alpha / rank;
                transposed = rules.fanInFanOut;
            } else {
                factor = 1.0; // no alpha anywhere: alpha = r
            }
            checkShapes(p, target, base.get(target).shape(), as, bs, rank, transposed);
            modules.add(new Module(target, p.a(), p.b(), factor, transposed));
        }
    }

    /** PEFT / diffusers pairs: {@code <prefix><module>.lora_A.weight} + {@code .lora_B.weight} (+ {@code .alpha} when allowed). */
    private List<Pair> peftPairs(Set<String> names, String prefix, boolean alphaKeys) {
        List<Pair> out = new ArrayList<>();
        for (String k : names) {
            String rest = k.substring(prefix.length());
            if (rest.endsWith(".lora_A.weight")) {
                String module = rest.substring(0, rest.length() - ".lora_A.weight".length());
                String b = prefix + module + ".lora_B.weight";
                if (!names.contains(b)) throw new ModelLoadException("LoRA " + label + " has '" + k + "' without '" + b + "'");
                String alpha = prefix + module + ".alpha";
                out.add(new Pair(module, k, b, alphaKeys && names.contains(alpha) ? alpha : null));
            } else if (rest.endsWith(".lora_B.weight")) {
                String a = k.substring(0, k.length() - ".lora_B.weight".length()) + ".lora_A.weight";
                if (!names.contains(a)) throw new ModelLoadException("LoRA " + label + " has '" + k + "' without '" + a + "'");
            } else if (rest.endsWith(".lora_B.bias")) {
                throw new UnsupportedModelException("LoRA " + label + " has a lora_B bias ('" + k + "'); LoRAs with lora_bias are not supported");
            } else if (alphaKeys && rest.endsWith(".alpha")) {
                String a = k.substring(0, k.length() - ".alpha".length()) + ".lora_A.weight";
                if (!names.contains(a)) throw new ModelLoadException("LoRA " + label + " has '" + k + "' without '" + a + "'");
            } else {
                throw new ModelLoadException("LoRA " + label + ": key '" + k + "' is not a LoRA weight (" + prefix
                        + "<module>.lora_A.weight / .lora_B.weight" + (alphaKeys ? " / .alpha" : "") + ")");
            }
        }
        return out;
    }

    /**
     * kohya pairs: {@code lora_transformer_<module with _ for .>.lora_down.weight} + {@code .lora_up.weight} (+ {@code .alpha}),
     * the module found through the base model's module names written the same way.
     */
    private List<Pair> kohyaPairs(Set<String> names, WeightSource base) {
        Map<String, String> byKohyaName = new HashMap<>();
        Set<String> ambiguous = new java.util.HashSet<>();
        for (String n : base.names()) {
            if (!n.endsWith(".weight")) continue;
            String module = n.substring(0, n.length() - ".weight".length());
            String k = module.replace('.', '_');
            if (byKohyaName.putIfAbsent(k, module) != null) ambiguous.add(k);
        }
        List<Pair> out = new ArrayList<>();
        for (String k : names) {
            int dot = k.indexOf('.');
            String name = dot < 0 ? k : k.substring(0, dot);
            String suffix = dot < 0 ? "" : k.substring(dot);
            switch (suffix) {
                case ".lora_down.weight" -> {
                    String up = name + ".lora_up.weight";
                    if (!names.contains(up)) throw new ModelLoadException("LoRA " + label + " has '" + k + "' without '" + up + "'");
                    String flat = name.substring(KOHYA_PREFIXES.stream().filter(name::startsWith).findFirst().orElseThrow().length());
                    if (ambiguous.contains(flat)) {
                        throw new ModelLoadException("LoRA " + label + ": key '" + k + "' could name several modules of the base model");
                    }
                    String module = byKohyaName.get(flat);
                    // unknown: kept under its flat name, so the family check and the missing-module error name it
                    out.add(new Pair(module == null ? flat : module, k, up, names.contains(name + ".alpha") ? name + ".alpha" : null));
                }
                case ".lora_up.weight", ".alpha" -> {
                    if (!names.contains(name + ".lora_down.weight")) {
                        throw new ModelLoadException("LoRA " + label + " has '" + k + "' without '" + name + ".lora_down.weight'");
                    }
                }
                default -> throw new ModelLoadException("LoRA " + label + ": key '" + k + "' is not a kohya LoRA weight"
                        + " (<name>.lora_down.weight / .lora_up.weight / .alpha)");
            }
        }
        return out;
    }

    /** The value of a scalar {@code alpha} tensor. */
    private double scalar(String name) {
        HostTensor t = file.get(name);
        if (t.numel() != 1) throw new ModelLoadException("LoRA " + label + ": '" + name + "' has shape " + Arrays.toString(t.shape()) + ", not one value");
        double v = t.toFloats()[0];
        if (!Double.isFinite(v) || v <= 0) throw new ModelLoadException("LoRA " + label + ": '" + name + "' is " + v + "; alpha must be positive");
        return v;
    }

    /** The adapter config diffusers writes into the safetensors header ({@code lora_adapter_metadata}, keys {@code transformer.*}), or null. */
    private Config headerConfig() {
        String raw = file.metadata().get("lora_adapter_metadata");
        if (raw == null) return null;
        String origin = file.path() + " (lora_adapter_metadata)";
        JsonObject all = Config.parseObject(raw, origin);
        JsonObject out = new JsonObject();
        for (Map.Entry<String, JsonElement> e : all.entrySet()) {
            if (e.getKey().startsWith(DIFFUSERS_PREFIX)) out.add(e.getKey().substring(DIFFUSERS_PREFIX.length()), e.getValue());
        }
        return out.size() == 0 ? null : new Config(out, origin);
    }

    /**
     * Every module must exist in the base; when some do not, the modules' names tell which family the adapter was made
     * for, and the error says so.
     */
    private void checkFamily(List<Pair> pairs, WeightSource base, String family) {
        List<Pair> missing = pairs.stream().filter(p -> !base.names().contains(p.module() + ".weight")).toList();
        if (missing.isEmpty()) return;
        Map<String, Integer> votes = new LinkedHashMap<>();
        for (Pair p : pairs) {
            String f = LoraFamilies.guess(p.module());
            if (f != null) votes.merge(f, 1, Integer::sum);
        }
        String guess = votes.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse(null);
        Pair m = missing.get(0);
        if (guess != null && !guess.equals(family)) {
            throw new ModelLoadException("LoRA " + label + " is for " + LoraFamilies.describe(guess) + " (key '" + m.a()
                    + "' adapts '" + m.module() + "'), but the model is " + LoraFamilies.describe(family)
                    + ": the adapter is for another model family");
        }
        throw new ModelLoadException("LoRA " + label + ": key '" + m.a() + "' adapts '" + m.module() + "', which this "
                + family + " transformer does not have (" + missing.size() + " of " + pairs.size()
                + " modules unknown): the adapter is for another base model");
    }

    private void checkShapes(Pair p, String target, long[] w, long[] a, long[] b, int rank, boolean fanInFanOut) {
        boolean ok;
        if (w.length == 2) {
            long out = fanInFanOut ? w[1] : w[0];
            long in = fanInFanOut ? w[0] : w[1];
            ok = a.length == 2 && b.length == 2 && b[1] == rank && b[0] == out && a[1] == in;
        } else if (w.length == 4) {
            // Conv2d LoRA: A is a conv (r, in, kh, kw), B a 1×1 conv (out, r, 1, 1)
            ok = a.length == 4 && b.length == 4 && b[1] == rank && b[0] == w[0] && a[1] == w[1]
                    && a[2] == w[2] && a[3] == w[3] && b[2] == 1 && b[3] == 1;
        } else {
            ok = false;
        }
        if (!ok) {
            throw new ModelLoadException("LoRA " + label + ": shapes do not fit '" + target + "' " + Arrays.toString(w) + ": '"
                    + p.a() + "' " + Arrays.toString(a) + ", '" + p.b() + "' " + Arrays.toString(b) + ", r " + rank
                    + " (adapter for another base model?)");
        }
    }

    // ---- PEFT's config ------------------------------------------------------------------------------

    /** {@code r}, {@code lora_alpha}, {@code rank_pattern}, {@code alpha_pattern}, {@code use_rslora}, {@code fan_in_fan_out}. */
    private final class Rules {
        final String origin;
        final int r;
        final double alpha;
        final boolean rslora;
        final boolean fanInFanOut;
        final List<Rule> ranks;
        final List<Rule> alphas;

        Rules(Config cfg) {
            origin = cfg.origin();
            String type = cfg.getString("peft_type", "LORA");
            if (!type.equals("LORA")) throw new UnsupportedModelException("PEFT adapter type " + type + " is not supported: " + label);
            if (cfg.getBoolean("use_dora", false)) throw new UnsupportedModelException("DoRA adapters are not supported: " + label);
            if (cfg.getBoolean("lora_bias", false)) throw new UnsupportedModelException("LoRA adapters with lora_bias are not supported: " + label);
            r = cfg.getInt("r", 1, MAX_RANK);
            alpha = cfg.getDouble("lora_alpha", r);
            rslora = cfg.getBoolean("use_rslora", false);
            fanInFanOut = cfg.getBoolean("fan_in_fan_out", false);
            ranks = patterns(cfg, "rank_pattern", true);
            alphas = patterns(cfg, "alpha_pattern", false);
        }

        double rank(String module) {
            return match(ranks, module, r);
        }

        double alpha(String module) {
            return match(alphas, module, alpha);
        }
    }

    /** One entry of rank_pattern / alpha_pattern: PEFT's regex key, compiled once, and its value. */
    private record Rule(String key, Pattern pattern, double value) {}

    /** rank_pattern (whole ranks in 1..MAX_RANK) or alpha_pattern (finite numbers), keys compiled as PEFT does. */
    private static List<Rule> patterns(Config cfg, String key, boolean ranks) {
        List<Rule> out = new ArrayList<>();
        if (!cfg.has(key)) return out;
        Config p = cfg.getObject(key);
        for (String k : p.json().keySet()) {
            String shown = k.length() > 60 ? k.substring(0, 60) + "…" : k;
            if (k.length() > MAX_PATTERN) {
                throw new ModelLoadException(key + " key '" + shown + "' in " + cfg.origin() + " is longer than " + MAX_PATTERN);
            }
            Pattern compiled;
            try {
                compiled = Pattern.compile("(.*\\.)?(" + k + ")$");
            } catch (PatternSyntaxException e) {
                throw new ModelLoadException(key + " key '" + shown + "' in " + cfg.origin() + " is not a valid regular expression", e);
            }
            out.add(new Rule(shown, compiled, ranks ? p.getInt(k, 1, MAX_RANK) : p.getDouble(k)));
        }
        return out;
    }

    /** PEFT's pattern lookup: the first key that matches the module name as a dotted suffix (regex). */
    private double match(List<Rule> rules, String module, double dflt) {
        for (Rule rule : rules) {
            if (rule.pattern().matcher(new Budgeted(module, rule.key())).matches()) return rule.value();
        }
        return dflt;
    }

    /** A module name that stops a match which looks at it more than {@link #MATCH_BUDGET} times (catastrophic backtracking). */
    private final class Budgeted implements CharSequence {
        private final String s;
        private final String rule;
        private long reads;

        Budgeted(String s, String rule) {
            this.s = s;
            this.rule = rule;
        }

        @Override
        public char charAt(int i) {
            if (++reads > MATCH_BUDGET) {
                throw new ModelLoadException("pattern '" + rule + "' of " + label + " takes too long to match module names"
                        + " (catastrophic backtracking)");
            }
            return s.charAt(i);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return s.substring(start, end);
        }

        @Override
        public String toString() {
            return s;
        }
    }
}
