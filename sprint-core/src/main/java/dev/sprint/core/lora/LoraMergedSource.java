package dev.sprint.core.lora;

import dev.sprint.api.ModelLoadException;
import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Closeables;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.LowRankUpdate;
import dev.sprint.core.tensor.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A base checkpoint with LoRA adapters fused in, exposed as a {@link WeightSource} so model code is unchanged:
 * {@code W' = W + Σ_i scale_i · (alpha_i / r_i) · B_i · A_i} ({@code alpha / √r} with rsLoRA), adapters added one
 * after another in the order given as PEFT merges them, transposed for {@code fan_in_fan_out} layouts, and for
 * Conv2d targets {@code B (out, r, 1, 1) · A (r, in, kh, kw)}. The merge runs in float32 on the host when a
 * targeted weight is first read (the model reads each weight once per load); biases and untargeted weights are
 * the base's own bytes. Which formats are read, and the checks made when the source is opened: {@link Lora}.
 *
 * <p>An adapter at scale 0 is opened and checked but changes nothing.
 */
public final class LoraMergedSource implements WeightSource {
    private static final Logger LOG = LoggerFactory.getLogger(LoraMergedSource.class);
    /** The family name of Sana transformers (SANA, SANA-Sprint, Sana ControlNet's base), for messages. */
    public static final String SANA = LoraFamilies.SANA;
    /** The family name of SD3 / SD3.5 MMDiT transformers, for messages. */
    public static final String SD3 = LoraFamilies.SD3;

    /** One adapter's change to one weight: {@code factor · B · A}. */
    private record Delta(LoraAdapter adapter, LoraAdapter.Module module, double factor) {}

    private final WeightSource base;
    private final List<LoraAdapter> adapters;
    private final Map<String, List<Delta>> targets = new LinkedHashMap<>();

    private LoraMergedSource(WeightSource base, List<LoraAdapter> adapters, List<Lora> loras) {
        this.base = base;
        this.adapters = adapters;
        for (int i = 0; i < adapters.size(); i++) {
            LoraAdapter a = adapters.get(i);
            double scale = loras.get(i).scale();
            LOG.info("LoRA {} at scale {}: {} weights{}", a.label(), scale, a.modules().size(), scale == 0 ? " (scale 0: unchanged)" : "");
            if (scale == 0) continue;
            for (LoraAdapter.Module m : a.modules()) {
                targets.computeIfAbsent(m.target(), k -> new ArrayList<>()).add(new Delta(a, m, scale * m.factor()));
            }
        }
    }

    /**
     * The adapters with their sources resolved to local files (a repo id downloaded when missing), once, before a
     * component is loaded: later loads (the memory plan's dry build, a low-memory reload) then open files only.
     */
    public static List<Lora> resolve(List<Lora> loras) {
        List<Lora> out = new ArrayList<>(loras.size());
        for (Lora l : loras) out.add(new Lora(LoraAdapter.locate(l.source()).toString(), l.scale()));
        return List.copyOf(out);
    }

    /**
     * Opens a component folder's checkpoint with the adapters fused in; with no adapters, the plain checkpoint.
     *
     * @param family the model's family ({@link #SANA}, {@link #SD3}) for the error when an adapter is for another one
     */
    public static WeightSource open(Path componentDir, List<Lora> loras, String family) {
        WeightSource base = Checkpoints.open(componentDir);
        return loras.isEmpty() ? base : open(base, loras, family);
    }

    /**
     * Opens the adapters over a base model's weights and checks that each fits. Takes ownership of {@code base}: it
     * is closed with this source, or at once if an adapter cannot be used.
     */
    public static LoraMergedSource open(WeightSource base, List<Lora> loras, String family) {
        List<LoraAdapter> opened = new ArrayList<>();
        try {
            for (Lora l : loras) opened.add(LoraAdapter.open(l, base, family));
            return new LoraMergedSource(base, List.copyOf(opened), List.copyOf(loras));
        } catch (RuntimeException e) {
            throw Closeables.closeAfter(e, withBase(opened, base));
        } catch (Error e) {
            throw Closeables.closeAfter(e, withBase(opened, base));
        }
    }

    private static List<AutoCloseable> withBase(List<LoraAdapter> opened, WeightSource base) {
        List<AutoCloseable> all = new ArrayList<>(opened);
        all.add(base);
        return all;
    }

    /** Names of the base weights the adapters change (adapters at scale 0 change none). */
    public Set<String> targets() {
        return Collections.unmodifiableSet(targets.keySet());
    }

    /** The factor {@code scale · alpha / r} of each adapter that changes a target weight, in the order the adapters were given. */
    public double[] factors(String target) {
        List<Delta> d = targets.get(target);
        if (d == null) throw new ModelLoadException(target + " is not adapted");
        return d.stream().mapToDouble(Delta::factor).toArray();
    }

    @Override
    public Set<String> names() {
        return base.names();
    }

    @Override
    public HostTensor get(String name) {
        List<Delta> d = targets.get(name);
        return d == null ? base.get(name) : merge(name, d);
    }

    /**
     * An adapted weight as data whose merge runs when it is first read: a dry build (the memory plan's) only asks for
     * shapes and never pays for the merge; it counts the merged weight at the base's shape, as it is held.
     */
    @Override
    public TensorData data(String name, long[] expectedShape) {
        List<Delta> d = targets.get(name);
        if (d == null) return base.data(name, expectedShape);
        TensorData w = base.data(name, expectedShape);
        return new LowRankUpdate() {
            private HostTensor merged;

            @Override
            public TensorData base() {
                return w;
            }

            @Override
            public List<Term> terms() {
                List<Term> out = new ArrayList<>(d.size());
                for (Delta x : d) {
                    out.add(new Term(x.adapter().get(x.module().a()), x.adapter().get(x.module().b()), x.factor(),
                            x.module().transposed() && w.shape().length == 2));
                }
                return out;
            }

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
                if (merged == null) merged = merge(name, d);
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
        List<Delta> d = targets.get(name);
        if (d == null) return base.origin(name);
        StringBuilder sb = new StringBuilder(base.origin(name));
        for (Delta x : d) sb.append(" + LoRA ").append(x.adapter().label());
        return sb.toString();
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (LoraAdapter a : adapters) {
            try {
                a.close();
            } catch (RuntimeException e) {
                if (failure == null) failure = e;
                else failure.addSuppressed(e);
            }
        }
        try {
            base.close();
        } catch (RuntimeException e) {
            if (failure == null) throw e;
            failure.addSuppressed(e);
        }
        if (failure != null) throw failure;
    }

    /** W + Σ factor·(B·A) in float32, one adapter after another (transposed delta for fan_in_fan_out); W's shape. */
    private HostTensor merge(String name, List<Delta> deltas) {
        HostTensor w = base.get(name);
        long[] ws = w.shape();
        int n = Math.toIntExact(w.numel());
        // on the heap: the backend copies it into its own memory, then it is ordinary garbage (a direct buffer
        // would hold native memory until a collection happens to run); W is converted straight into it (no second copy)
        ByteBuffer buf = ByteBuffer.allocate(Math.multiplyExact(n, 4)).order(ByteOrder.LITTLE_ENDIAN);
        w.readAs(DType.F32, 0, n, buf.duplicate().order(ByteOrder.LITTLE_ENDIAN));
        FloatBuffer f = buf.asFloatBuffer();
        for (Delta d : deltas) {
            float[] af = d.adapter().get(d.module().a()).toFloats();
            HostTensor b = d.adapter().get(d.module().b());
            float[] bf = b.toFloats();
            int out = (int) b.shape()[0];
            int rank = (int) b.shape()[1];
            int in = af.length / rank;
            float s = (float) d.factor();
            boolean transposed = d.module().transposed() && ws.length == 2;
            IntStream.range(0, out).parallel().forEach(o -> {
                float[] row = new float[in];
                for (int k = 0; k < rank; k++) {
                    float bk = bf[o * rank + k];
                    int ak = k * in;
                    for (int i = 0; i < in; i++) row[i] += bk * af[ak + i];
                }
                for (int i = 0; i < in; i++) {
                    int idx = transposed ? i * out + o : o * in + i;
                    f.put(idx, f.get(idx) + row[i] * s);
                }
            });
        }
        return new HostTensor(DType.F32, ws, buf);
    }
}
