package dev.sprint.core.plan;

import dev.sprint.api.GenerationListener;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.MemoryMode;
import dev.sprint.api.OutputType;
import dev.sprint.api.Pipeline;
import dev.sprint.api.StepEvent;
import dev.sprint.api.VaeTiling;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.pipeline.Components;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a pipeline needs in memory, known before it loads anything or runs a request: the same family is opened
 * on a {@link MetaBackend} (a twin that builds every component from the checkpoint's headers, computing nothing),
 * which gives each component's weight bytes, and a request run on the twin gives each stage's activation peak
 * and FLOPs for that request's shape (cached per shape). With the process's {@link MemoryBudget} this decides
 * resident or low-memory mode, whether the decoder must tile, and otherwise says how many bytes are missing.
 *
 * <p>Stages and the component groups they need: {@code text_encoder} → "text_encoder", {@code vae_encoder} and
 * {@code decode} → "vae", {@code denoise} → "denoise" (transformer, ControlNet).
 */
public final class MemoryPlan implements AutoCloseable, dev.sprint.api.PipelineOption {
    private static final Logger LOG = LoggerFactory.getLogger(MemoryPlan.class);
    /** Per-stage peaks measured on the twin undercount what kernels allocate inside (oneDNN reorders, GEMM packing). */
    static final double KERNEL_SLACK = 1.25;

    private final Pipeline twin;
    private final MetaBackend meta;
    private final Map<String, Long> weights = new LinkedHashMap<>();
    private final Map<String, String> groups = new LinkedHashMap<>();
    private final Map<String, Long> streamable = new LinkedHashMap<>();
    private final Map<String, Long> largestBlock = new LinkedHashMap<>();
    private final java.util.Set<String> streamed = new java.util.HashSet<>();
    private final boolean eager;
    private final MemoryBudget budget;
    private final boolean direct;
    private final MemoryMode mode;
    private final VaeTiling tiling;
    private final Map<List<Object>, Estimate> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<List<Object>, Estimate> e) {
            return size() > 32;
        }
    };

    /**
     * A request's needs, per stage: activation peak bytes and FLOPs (matmuls and convolutions), the decode
     * measured untiled and tiled.
     *
     * @param peaks       stage → peak activation bytes
     * @param flops       stage → floating-point operations
     * @param tiledDecode peak activation bytes of a tiled decode (0 when the latent fits one tile)
     */
    public record Estimate(Map<String, Long> peaks, Map<String, Long> flops, long tiledDecode) {}

    /**
     * What this request will do.
     *
     * @param tiled   decode tiled
     * @param needed  the bytes the plan needs at its peak
     * @param budget  the bytes available
     */
    public record Admission(boolean tiled, long needed, long budget) {}

    private MemoryPlan(Pipeline twin, MetaBackend meta, Components components, MemoryBudget budget, boolean direct,
                       boolean eager, MemoryMode asked, VaeTiling tiling, GenerationRequest defaults) {
        this.twin = twin;
        this.meta = meta;
        this.budget = budget;
        this.direct = direct;
        this.eager = eager;
        this.tiling = tiling;
        for (Component<?> c : components.list()) {
            weights.put(c.name(), c.weightBytes());
            groups.put(c.name(), c.group());
            streamable.put(c.name(), c.streamableBytes());
            largestBlock.put(c.name(), c.largestBlockBytes());
        }
        MemoryMode m = asked;
        // the pipeline's default request (its size and options) with a prompt: what a plain generate(prompt) does
        Estimate e;
        try {
            e = estimate(defaults.prompts().isEmpty() ? defaults.toBuilder().prompt("a photo of a cat").build() : defaults);
        } catch (InvalidRequestException invalid) { // defaults the pipeline itself would refuse (e.g. over its limits)
            LOG.debug("memory plan without a default request: {}", invalid.getMessage());
            e = new Estimate(Map.of(), Map.of(), 0);
        }
        boolean tile = tiling == VaeTiling.ON;
        if (asked == MemoryMode.AUTO) {
            long need = resident(e, tile);
            m = need <= available() ? MemoryMode.RESIDENT : MemoryMode.LOW;
            LOG.info("memory plan: {} (total {}); resident needs {} of {} available: {}", describeWeights(),
                    MemoryBudget.gb(totalWeights()), MemoryBudget.gb(need), MemoryBudget.gb(available()),
                    m.name().toLowerCase(Locale.ROOT));
        }
        this.mode = m;
        if (m == MemoryMode.LOW && eager) {
            // asked for LOW: every block stack streams (LOW reloads a component per request anyway, so building it a
            // block at a time converts the same bytes and holds one block); AUTO's LOW streams only a group too large
            // to hold whole next to its stage
            for (String stage : e.peaks().keySet()) {
                String group = groupOf(stage);
                long whole = groupWeights(group) + (long) (stagePeak(e, stage, tile) * KERNEL_SLACK);
                if (asked == MemoryMode.LOW || whole > available()) {
                    for (Map.Entry<String, String> g : groups.entrySet()) {
                        if (g.getValue().equals(group) && streamable.get(g.getKey()) > 0) streamed.add(g.getKey());
                    }
                }
            }
            if (!streamed.isEmpty()) LOG.info("memory plan: streaming the blocks of {} one at a time", streamed);
        }
    }

    /** Whether a component's block stacks are streamed (built per use, one block at a time). */
    public boolean streams(String component) {
        return streamed.contains(component);
    }

    /** The bytes a component holds while it is loaded (one block of its streamed stacks, or all of it). */
    public long residentBytes(String component) {
        long w = weights.get(component);
        return streamed.contains(component) ? w - streamable.get(component) + largestBlock.get(component) : w;
    }

    private long groupWeights(String group) {
        long w = 0;
        for (Map.Entry<String, String> g : groups.entrySet()) if (g.getValue().equals(group)) w += weights.get(g.getKey());
        return w;
    }

    /**
     * Plans a pipeline: opens the twin with {@code openTwin} on a fresh {@link MetaBackend} (resident, so every
     * component is built — which also checks every tensor the configs require against the files), and decides the
     * mode for {@code asked}.
     *
     * @param direct whether the real backend keeps weights in direct buffers (then bounded by MaxDirectMemorySize)
     */
    public static MemoryPlan open(Function<MetaBackend, Pipeline> openTwin, Function<Pipeline, Components> components,
                                  MemoryBudget budget, boolean direct, boolean eager, MemoryMode asked, VaeTiling tiling,
                                  GenerationRequest defaults, dev.sprint.core.tensor.DType floatType) {
        MetaBackend meta = new MetaBackend(floatType);
        Pipeline twin = openTwin.apply(meta);
        try {
            return new MemoryPlan(twin, meta, components.apply(twin), budget, direct, eager, asked, tiling, defaults);
        } catch (RuntimeException | Error e) {
            twin.close();
            throw e;
        }
    }

    /** RESIDENT or LOW: what the pipeline runs in. */
    public MemoryMode mode() {
        return mode;
    }

    /** Weight bytes per component (in the compute type; embedding tables are read from the file and cost nothing). */
    public Map<String, Long> weights() {
        return Map.copyOf(weights);
    }

    /** Sum of {@link #weights()}. */
    public long totalWeights() {
        return weights.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Bytes the plan may use. */
    public long available() {
        return budget.nativeBytes(direct);
    }

    public MemoryBudget budget() {
        return budget;
    }

    /** The needs of a request, from a run on the twin (cached per request shape). */
    public synchronized Estimate estimate(GenerationRequest request) {
        List<Object> key = shapeKey(request);
        Estimate e = cache.get(key);
        if (e != null) return e;
        e = measure(request);
        cache.put(key, e);
        return e;
    }

    /**
     * Checks a request against the plan before it runs: whether it fits, and whether the decoder must tile to fit
     * ({@link VaeTiling#AUTO}); an {@link InvalidRequestException} saying the bytes needed if nothing fits.
     */
    public Admission admit(GenerationRequest request) {
        Estimate e = estimate(request);
        long avail = available();
        boolean canTile = e.tiledDecode() > 0 && tiling != VaeTiling.OFF;
        boolean forceTile = canTile && tiling == VaeTiling.ON;
        long untiled = need(e, false);
        if (forceTile) {
            long tiled = need(e, true);
            if (tiled <= avail) return new Admission(true, tiled, avail);
            throw tooLarge(tiled, avail, e, true);
        }
        if (untiled <= avail) return new Admission(false, untiled, avail);
        if (canTile) {
            long tiled = need(e, true);
            if (tiled <= avail) {
                LOG.info("decoding in tiles: untiled needs {}, {} available", MemoryBudget.gb(untiled), MemoryBudget.gb(avail));
                return new Admission(true, tiled, avail);
            }
        }
        throw tooLarge(untiled, avail, e, false);
    }

    private InvalidRequestException tooLarge(long need, long avail, Estimate e, boolean tiled) {
        return new InvalidRequestException(String.format(Locale.ROOT,
                "this request needs about %s of memory (%s mode: weights %s, activations per stage %s%s) but %s are"
                        + " available (%s); use a smaller size or batch%s%s", MemoryBudget.gb(need),
                mode.name().toLowerCase(Locale.ROOT), describeWeights(), describePeaks(e), tiled ? ", tiled decode" : "",
                MemoryBudget.gb(avail), budget.describe(),
                mode == MemoryMode.RESIDENT ? ", or Pipeline.builder().memory(MemoryMode.LOW)" : "",
                tiling == VaeTiling.OFF ? ", or allow tiled decoding" : ""));
    }

    /**
     * Per stage, the bytes a request needs at that stage in this plan's mode (low memory: the stage's group and its
     * activations; resident: everything plus the stage's activations), untiled.
     */
    public Map<String, Long> stageNeeds(GenerationRequest request) {
        Estimate e = estimate(request);
        Map<String, Long> out = new LinkedHashMap<>();
        for (String stage : e.peaks().keySet()) {
            long w = 0;
            for (Map.Entry<String, String> g : groups.entrySet()) {
                if (mode == MemoryMode.RESIDENT || g.getValue().equals(groupOf(stage))) w += residentBytes(g.getKey());
            }
            out.put(stage, w + (long) (stagePeak(e, stage, false) * KERNEL_SLACK));
        }
        return out;
    }

    /** Peak bytes of a request in this plan's mode. */
    private long need(Estimate e, boolean tiled) {
        return mode == MemoryMode.LOW ? low(e, tiled) : resident(e, tiled);
    }

    /** All weights plus the largest stage. */
    private long resident(Estimate e, boolean tiled) {
        long peak = 0;
        for (Map.Entry<String, Long> s : e.peaks().entrySet()) peak = Math.max(peak, stagePeak(e, s.getKey(), tiled));
        return totalWeights() + (long) (peak * KERNEL_SLACK);
    }

    /** The largest stage together with the weights of the group it needs. */
    private long low(Estimate e, boolean tiled) {
        long need = 0;
        for (String stage : e.peaks().keySet()) {
            String group = groupOf(stage);
            long w = 0;
            for (Map.Entry<String, String> g : groups.entrySet()) if (g.getValue().equals(group)) w += residentBytes(g.getKey());
            need = Math.max(need, w + (long) (stagePeak(e, stage, tiled) * KERNEL_SLACK));
        }
        return need;
    }

    private static long stagePeak(Estimate e, String stage, boolean tiled) {
        return stage.equals("decode") && tiled && e.tiledDecode() > 0 ? e.tiledDecode() : e.peaks().get(stage);
    }

    private static String groupOf(String stage) {
        return switch (stage) {
            case "vae_encoder", "decode", "control_image" -> "vae";
            default -> stage;
        };
    }

    private Estimate measure(GenerationRequest request) {
        Map<String, Long> peaks = new LinkedHashMap<>();
        Map<String, Long> flops = new LinkedHashMap<>();
        String[] current = {"setup"};
        GenerationListener listener = new GenerationListener() {
            @Override
            public void onStage(String stage) {
                close(current[0]);
                current[0] = stage;
            }

            @Override
            public void onStep(StepEvent e) {}

            private long weightsBefore = meta.weightBytes();

            private void close(String stage) {
                // weights a stage builds on first use (the DC-AE encoder of img2img) count as its own
                long lazy = meta.weightBytes() - weightsBefore;
                weightsBefore = meta.weightBytes();
                peaks.merge(stage, meta.peakActivationBytes() + lazy, Math::max);
                flops.merge(stage, meta.flops(), Long::sum);
                meta.resetPeak();
                meta.resetFlops();
            }
        };
        meta.resetPeak();
        meta.resetFlops();
        // previews are left out: a preview decode peaks no higher than the decode stage, which is measured
        GenerationRequest probe = request.toBuilder().output(request.output() == null ? OutputType.IMAGE : request.output())
                .previews(0).build();
        twin.generate(probe, listener, new dev.sprint.api.CancellationToken());
        listener.onStage("end");
        peaks.remove("end");
        flops.remove("end");
        long tiled = 0;
        if (peaks.containsKey("decode")) {
            // the same request decoded in tiles, for the decision to tile (the twin honours the run's flag)
            long[] tiledPeak = {0};
            try {
                TWIN_TILED.set(Boolean.TRUE);
                meta.resetPeak();
                String[] stage = {""};
                twin.generate(probe, new GenerationListener() {
                    @Override
                    public void onStage(String s) {
                        if (stage[0].equals("decode")) tiledPeak[0] = Math.max(tiledPeak[0], meta.peakActivationBytes());
                        stage[0] = s;
                        meta.resetPeak();
                    }
                }, new dev.sprint.api.CancellationToken());
                tiledPeak[0] = Math.max(tiledPeak[0], stage[0].equals("decode") ? meta.peakActivationBytes() : 0);
            } finally {
                TWIN_TILED.remove();
            }
            tiled = tiledPeak[0] < peaks.get("decode") ? tiledPeak[0] : 0;
        }
        return new Estimate(Map.copyOf(peaks), Map.copyOf(flops), tiled);
    }

    /** Set while the planner measures a tiled decode on the twin (read by {@link #forcedTiling()}). */
    private static final ThreadLocal<Boolean> TWIN_TILED = new ThreadLocal<>();

    /** Whether the running twin measurement asks for a tiled decode (the pipeline consults it before its own plan). */
    public static boolean forcedTiling() {
        return Boolean.TRUE.equals(TWIN_TILED.get());
    }

    /** What decides a request's memory: everything but the prompt texts and seeds. */
    private static List<Object> shapeKey(GenerationRequest r) {
        return List.of(r.prompts().size(), r.imagesPerPrompt(), String.valueOf(r.width()), String.valueOf(r.height()),
                String.valueOf(r.steps()), String.valueOf(r.timesteps()), String.valueOf(r.maxSequenceLength()),
                String.valueOf(r.resolutionBinning()), String.valueOf(r.instruction()), String.valueOf(r.guidanceScale()),
                String.valueOf(r.negativePrompt() != null), r.image() == null ? "" : r.image().getWidth() + "x" + r.image().getHeight(),
                String.valueOf(r.output()), r.options().stream().map(o -> o.type().getName()).toList());
    }

    /** "text_encoder 8.1 GB, transformer 2.4 GB, ...". */
    public String describeWeights() {
        StringBuilder b = new StringBuilder();
        weights.forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(MemoryBudget.gb(v)));
        return b.toString();
    }

    private static String describePeaks(Estimate e) {
        StringBuilder b = new StringBuilder();
        e.peaks().forEach((k, v) -> b.append(b.length() == 0 ? "" : ", ").append(k).append(' ').append(MemoryBudget.gb(v)));
        return b.toString();
    }

    /** Closes the twin (its checkpoints' files). */
    @Override
    public void close() {
        twin.close();
    }
}
