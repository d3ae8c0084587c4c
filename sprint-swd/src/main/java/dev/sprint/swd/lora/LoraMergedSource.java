package dev.sprint.swd.lora;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A base checkpoint with a PEFT LoRA adapter merged in, exposed as a {@link WeightSource} so model code
 * is unchanged: {@code W' = W + s·(B·A)} with {@code s = lora_alpha / r} ({@code lora_alpha / √r} with
 * {@code use_rslora}), per-module {@code r}/{@code lora_alpha} from {@code rank_pattern}/{@code alpha_pattern},
 * transposed for {@code fan_in_fan_out} layouts, and for Conv2d targets
 * {@code B (out, r, 1, 1) · A (r, in, kh, kw)}. Merged in float32 on the host when a targeted weight is
 * read (the model reads each weight once, at load); biases are unchanged.
 *
 * <p>The adapter folder is PEFT's release format: {@code adapter_config.json} +
 * {@code adapter_model.safetensors} with names {@code base_model.model.<module>.lora_A.weight} (r, in…) and
 * {@code ….lora_B.weight} (out, r…). Every adapter tensor must fit the base model: a module the base does
 * not have, or a shape that does not match, is a {@link ModelLoadException} ("adapter for another base
 * model"), checked when the source is opened.
 */
public final class LoraMergedSource implements WeightSource {
    private static final Logger LOG = LoggerFactory.getLogger(LoraMergedSource.class);
    private static final String PREFIX = "base_model.model.";
    private static final String A_SUFFIX = ".lora_A.weight";
    private static final String B_SUFFIX = ".lora_B.weight";

    /** One adapted base weight. */
    private record Target(String aName, String bName, double scale) {}

    private final WeightSource base;
    private final WeightSource adapter;
    private final Path adapterDir;
    private final boolean fanInFanOut;
    private final Map<String, Target> targets = new LinkedHashMap<>();

    private LoraMergedSource(WeightSource base, WeightSource adapter, Path adapterDir, Config cfg) {
        this.base = base;
        this.adapter = adapter;
        this.adapterDir = adapterDir;
        String type = cfg.getString("peft_type", "LORA");
        if (!type.equals("LORA")) throw new UnsupportedModelException("PEFT adapter type " + type + " is not supported: " + adapterDir);
        if (cfg.getBoolean("use_dora", false)) throw new UnsupportedModelException("DoRA adapters are not supported: " + adapterDir);
        if (cfg.getBoolean("lora_bias", false)) throw new UnsupportedModelException("LoRA adapters with lora_bias are not supported: " + adapterDir);
        int r = cfg.getInt("r", 1, MAX_RANK);
        double alpha = cfg.getDouble("lora_alpha", r);
        boolean rslora = cfg.getBoolean("use_rslora", false);
        fanInFanOut = cfg.getBoolean("fan_in_fan_out", false);
        List<Rule> rankPattern = patterns(cfg, "rank_pattern", true);
        List<Rule> alphaPattern = patterns(cfg, "alpha_pattern", false);
        for (String name : adapter.names()) {
            if (name.endsWith(B_SUFFIX)) continue;
            if (!name.startsWith(PREFIX) || !name.endsWith(A_SUFFIX)) {
                throw new UnsupportedModelException("adapter tensor '" + name + "' in " + adapterDir
                        + " is not a LoRA A/B weight (" + PREFIX + "<module>" + A_SUFFIX + "); only plain LoRA is supported");
            }
            String module = name.substring(PREFIX.length(), name.length() - A_SUFFIX.length());
            String bName = PREFIX + module + B_SUFFIX;
            if (!adapter.names().contains(bName)) throw new ModelLoadException("adapter " + adapterDir + " has no " + bName);
            String target = module + ".weight";
            if (!base.names().contains(target)) {
                throw new ModelLoadException("LoRA adapter " + adapterDir + " targets '" + module
                        + "', which the base model does not have: the adapter is for another base model");
            }
            int rank = (int) match(rankPattern, module, r);
            double a = match(alphaPattern, module, alpha);
            checkShapes(target, base.get(target).shape(), adapter.get(name).shape(), adapter.get(bName).shape(), rank);
            targets.put(target, new Target(name, bName, rslora ? a / Math.sqrt(rank) : a / rank));
        }
        for (String name : adapter.names()) {
            if (name.endsWith(B_SUFFIX) && !adapter.names().contains(name.substring(0, name.length() - B_SUFFIX.length()) + A_SUFFIX)) {
                throw new ModelLoadException("adapter " + adapterDir + " has " + name + " without its lora_A");
            }
        }
        if (targets.isEmpty()) throw new ModelLoadException("LoRA adapter " + adapterDir + " has no lora_A/lora_B pairs");
        LOG.info("LoRA {}: {} weights adapted (r={}, alpha={}{})", adapterDir, targets.size(), r, alpha, rslora ? ", rsLoRA" : "");
    }

    /**
     * Opens an adapter folder over a base model's weights. Takes ownership of {@code base}: it is closed
     * with this source, or at once if the adapter does not fit.
     */
    public static LoraMergedSource open(WeightSource base, Path adapterDir) {
        WeightSource adapter = null;
        try {
            Config cfg = Config.read(adapterDir.resolve("adapter_config.json"));
            adapter = Checkpoints.open(adapterDir);
            return new LoraMergedSource(base, adapter, adapterDir, cfg);
        } catch (RuntimeException e) {
            if (adapter != null) adapter.close();
            base.close();
            throw e;
        }
    }

    /** Names of the base weights the adapter changes. */
    public Set<String> targets() {
        return Collections.unmodifiableSet(targets.keySet());
    }

    /** The merge factor s of a target weight (alpha/r, or alpha/√r with rsLoRA). */
    public double scale(String target) {
        Target t = targets.get(target);
        if (t == null) throw new ModelLoadException(target + " is not adapted");
        return t.scale();
    }

    @Override
    public Set<String> names() {
        return base.names();
    }

    @Override
    public HostTensor get(String name) {
        Target t = targets.get(name);
        return t == null ? base.get(name) : merge(name, t);
    }

    /**
     * An adapted weight as data whose merge runs when it is first read: a dry build (the memory plan's) only asks for
     * shapes and never pays for the merge.
     */
    @Override
    public TensorData data(String name, long[] expectedShape) {
        Target t = targets.get(name);
        if (t == null) return base.data(name, expectedShape);
        TensorData w = base.data(name, expectedShape);
        return new TensorData() {
            private HostTensor merged;

            @Override
            public DType dtype() {
                return DType.F32;
            }

            @Override
            public long[] shape() {
                return w.shape();
            }

            @Override
            public synchronized HostTensor host() {
                if (merged == null) merged = merge(name, t);
                return merged;
            }

            @Override
            public void read(long offset, ByteBuffer dst) {
                host().read(offset, dst);
            }
        };
    }

    @Override
    public String origin(String name) {
        return targets.containsKey(name) ? base.origin(name) + " + LoRA " + adapterDir : base.origin(name);
    }

    @Override
    public void close() {
        adapter.close();
        base.close();
    }

    /** Largest LoRA rank accepted (released adapters use 4..256). */
    private static final int MAX_RANK = 1 << 16;
    /** Longest pattern key accepted, and the most characters one match may look at (a hostile regex cannot hang the load). */
    private static final int MAX_PATTERN = 1024;
    private static final long MATCH_BUDGET = 1_000_000;

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
                throw new ModelLoadException("pattern '" + rule + "' of " + adapterDir + " takes too long to match module names"
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

    private void checkShapes(String target, long[] w, long[] a, long[] b, int rank) {
        boolean ok;
        if (w.length == 2) {
            long out = fanInFanOut ? w[1] : w[0];
            long in = fanInFanOut ? w[0] : w[1];
            ok = a.length == 2 && b.length == 2 && a[0] == rank && b[1] == rank && b[0] == out && a[1] == in;
        } else if (w.length == 4) {
            // Conv2d LoRA: A is a conv (r, in, kh, kw), B a 1×1 conv (out, r, 1, 1)
            ok = a.length == 4 && b.length == 4 && a[0] == rank && b[1] == rank && b[0] == w[0] && a[1] == w[1]
                    && a[2] == w[2] && a[3] == w[3] && b[2] == 1 && b[3] == 1;
        } else {
            ok = false;
        }
        if (!ok) {
            throw new ModelLoadException("LoRA shapes do not fit '" + target + "' " + Arrays.toString(w) + ": A "
                    + Arrays.toString(a) + ", B " + Arrays.toString(b) + ", r " + rank + " in " + adapterDir
                    + " (adapter for another base model?)");
        }
    }

    /** W + s·(B·A) in float32 (transposed delta for fan_in_fan_out); the result has W's shape. */
    private HostTensor merge(String name, Target t) {
        HostTensor w = base.get(name);
        HostTensor a = adapter.get(t.aName());
        HostTensor b = adapter.get(t.bName());
        long[] ws = w.shape();
        int rank = (int) a.shape()[0];
        int out = (int) b.shape()[0];
        int in = Math.toIntExact(a.numel() / rank);
        float[] wf = w.toFloats();
        float[] af = a.toFloats();
        float[] bf = b.toFloats();
        float s = (float) t.scale();
        boolean transposed = fanInFanOut && ws.length == 2;
        // on the heap: the backend copies it into its own memory, then it is ordinary garbage (a direct buffer
        // would hold native memory until a collection happens to run)
        ByteBuffer buf = ByteBuffer.allocate(wf.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer f = buf.asFloatBuffer();
        IntStream.range(0, out).parallel().forEach(o -> {
            float[] row = new float[in];
            for (int k = 0; k < rank; k++) {
                float bk = bf[o * rank + k];
                int ak = k * in;
                for (int i = 0; i < in; i++) row[i] += bk * af[ak + i];
            }
            for (int i = 0; i < in; i++) {
                int idx = transposed ? i * out + o : o * in + i;
                f.put(idx, wf[idx] + row[i] * s);
            }
        });
        return new HostTensor(DType.F32, ws, buf);
    }
}
