package dev.sprint.swd.lora;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A base checkpoint with a PEFT LoRA adapter merged in: {@code W' = W + s·(B·A)} with
 * {@code s = lora_alpha / r} ({@code lora_alpha / √r} with rsLoRA), computed on the host in float32 when a
 * targeted weight is first read. Model code reads it like any {@link WeightSource}, so no model changes
 * for LoRA. The adapter folder is PEFT's release format: {@code adapter_config.json} +
 * {@code adapter_model.safetensors} with names {@code base_model.model.<module>.lora_A/B.weight}.
 */
public final class LoraMergedSource implements WeightSource {
    private static final String PREFIX = "base_model.model.";

    private final WeightSource base;
    private final WeightSource adapter;
    private final Path adapterDir;
    /** base weight name → {lora_A name, lora_B name, scale}. */
    private final Map<String, Object[]> targets = new HashMap<>();
    private final Map<String, HostTensor> merged = new ConcurrentHashMap<>();

    private LoraMergedSource(WeightSource base, WeightSource adapter, Path adapterDir, Config cfg) {
        this.base = base;
        this.adapter = adapter;
        this.adapterDir = adapterDir;
        int r = cfg.getInt("r");
        double alpha = cfg.getDouble("lora_alpha", r);
        boolean rslora = cfg.getBoolean("use_rslora", false);
        if (cfg.getBoolean("use_dora", false)) {
            throw new ModelLoadException("DoRA adapters are not supported: " + adapterDir);
        }
        if (cfg.getBoolean("fan_in_fan_out", false)) {
            throw new ModelLoadException("fan_in_fan_out adapters (Conv1D layouts) are not supported: " + adapterDir);
        }
        for (String name : adapter.names()) {
            if (!name.endsWith(".lora_A.weight")) continue;
            if (!name.startsWith(PREFIX)) {
                throw new ModelLoadException("adapter tensor '" + name + "' in " + adapterDir + " does not start with " + PREFIX);
            }
            String module = name.substring(PREFIX.length(), name.length() - ".lora_A.weight".length());
            String bName = PREFIX + module + ".lora_B.weight";
            if (!adapter.names().contains(bName)) throw new ModelLoadException("adapter " + adapterDir + " has no " + bName);
            String target = module + ".weight";
            if (!base.names().contains(target)) {
                throw new ModelLoadException("LoRA adapter " + adapterDir + " targets '" + module
                        + "', which the base model does not have: the adapter is for another base model");
            }
            double scale = rslora ? alpha / Math.sqrt(r) : alpha / r;
            targets.put(target, new Object[] {name, bName, scale});
        }
        if (targets.isEmpty()) throw new ModelLoadException("LoRA adapter " + adapterDir + " has no lora_A/lora_B pairs");
    }

    /** Opens an adapter folder over a base transformer's weights (takes ownership of both sources). */
    public static LoraMergedSource open(WeightSource base, Path adapterDir) {
        Config cfg = Config.read(adapterDir.resolve("adapter_config.json"));
        WeightSource adapter = Checkpoints.open(adapterDir);
        try {
            return new LoraMergedSource(base, adapter, adapterDir, cfg);
        } catch (RuntimeException e) {
            adapter.close();
            throw e;
        }
    }

    /** Names of the base weights the adapter changes. */
    public Set<String> targets() {
        return targets.keySet();
    }

    @Override
    public Set<String> names() {
        return base.names();
    }

    @Override
    public HostTensor get(String name) {
        Object[] t = targets.get(name);
        if (t == null) return base.get(name);
        return merged.computeIfAbsent(name, n -> merge(n, (String) t[0], (String) t[1], (Double) t[2]));
    }

    private HostTensor merge(String name, String aName, String bName, double scale) {
        HostTensor w = base.get(name);
        HostTensor a = adapter.get(aName);
        HostTensor b = adapter.get(bName);
        long[] ws = w.shape();
        if (ws.length != 2 || a.shape().length != 2 || b.shape().length != 2 || b.shape()[0] != ws[0]
                || a.shape()[1] != ws[1] || a.shape()[0] != b.shape()[1]) {
            throw new ModelLoadException("LoRA shapes do not fit '" + name + "' " + java.util.Arrays.toString(ws)
                    + ": A " + java.util.Arrays.toString(a.shape()) + ", B " + java.util.Arrays.toString(b.shape())
                    + " in " + adapterDir + " (adapter for another base model?)");
        }
        int out = (int) ws[0];
        int in = (int) ws[1];
        int r = (int) a.shape()[0];
        float[] wf = w.toFloats();
        float[] af = a.toFloats();
        float[] bf = b.toFloats();
        float s = (float) scale;
        ByteBuffer buf = ByteBuffer.allocateDirect(out * in * 4).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer f = buf.asFloatBuffer();
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                float d = 0f;
                for (int k = 0; k < r; k++) d += bf[o * r + k] * af[k * in + i];
                f.put(o * in + i, wf[o * in + i] + d * s);
            }
        }
        return new HostTensor(DType.F32, ws, buf);
    }

    @Override
    public String origin(String name) {
        return targets.containsKey(name) ? base.origin(name) + " + LoRA " + adapterDir : base.origin(name);
    }

    @Override
    public void close() {
        merged.clear();
        adapter.close();
        base.close();
    }
}
