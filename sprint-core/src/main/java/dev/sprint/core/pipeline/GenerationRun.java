package dev.sprint.core.pipeline;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationCancelledException;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.PipelineClosedException;
import dev.sprint.api.PreviewEvent;
import dev.sprint.api.SprintException;
import dev.sprint.api.StepEvent;
import dev.sprint.core.sched.Denoiser;
import dev.sprint.core.sched.StepObserver;
import dev.sprint.core.tensor.Tensor;
import java.awt.image.BufferedImage;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One running {@code generate} call: its check points (cancellation token, thread interrupt, pipeline
 * closed), its listener (whose exceptions stop the call as a {@link GenerationCancelledException} instead of
 * escaping raw), and its per-stage timings.
 */
public final class GenerationRun {
    private final GenerationListener listener;
    private final CancellationToken token;
    private final BooleanSupplier closed;
    private final Map<String, Double> timings = new LinkedHashMap<>();
    private final long start = System.nanoTime();
    private long stepStart;
    private boolean denoising;
    private boolean tiledDecode;
    private int previewEvery;
    private Function<Tensor, List<BufferedImage>> previewer;

    GenerationRun(GenerationListener listener, CancellationToken token, BooleanSupplier closed) {
        this.listener = listener == null ? GenerationListener.NONE : listener;
        this.token = token == null ? new CancellationToken() : token;
        this.closed = closed;
    }

    /** Stops the call if it was cancelled, its thread interrupted, or the pipeline closed. */
    public void checkpoint() {
        if (closed.getAsBoolean()) throw new PipelineClosedException("the pipeline was closed during generation");
        if (token.isCancelled()) throw new GenerationCancelledException("generation cancelled");
        if (Thread.currentThread().isInterrupted()) {
            throw new GenerationCancelledException("generation stopped: the generating thread was interrupted");
        }
    }

    /** Starts a named stage: a check point, then {@link GenerationListener#onStage}. */
    public void stage(String name) {
        checkpoint();
        notify(() -> listener.onStage(name), "onStage(" + name + ")");
    }

    /** Runs a stage and records its milliseconds under its name. */
    public <T> T timed(String name, Supplier<T> work) {
        stage(name);
        long t = System.nanoTime();
        T out = work.get();
        timings.put(name, ms(t));
        return out;
    }

    /** Records a stage's milliseconds measured from {@code sinceNanos}. */
    public void record(String name, long sinceNanos) {
        timings.put(name, ms(sinceNanos));
    }

    /** The denoiser with a check point and the step clock started before every evaluation. */
    public Denoiser steps(Denoiser d) {
        return (x, t, i) -> {
            if (!denoising) { // the sampling stage starts with its first evaluation
                denoising = true;
                stage("denoise");
            }
            checkpoint();
            stepStart = System.nanoTime();
            return d.velocity(x, t, i);
        };
    }

    /**
     * An observer that records each step's milliseconds and tells the listener ({@code steps} in all); after every
     * N-th step, when previews are on ({@link #previews}), it renders the step's x0 estimate, records the
     * milliseconds as {@code preview_i} and sends a {@link PreviewEvent}.
     */
    public StepObserver stepDone(int steps) {
        return new StepObserver() {
            @Override
            public void onStep(int i, float t, Tensor x0, Tensor resized, Tensor latents) {
                double elapsed = ms(stepStart);
                timings.put("step_" + i, elapsed);
                GenerationRun.notify(() -> listener.onStep(new StepEvent(i, steps, t, elapsed)), "onStep");
                if (x0 != null && wantsDenoised(i)) {
                    checkpoint();
                    long p = System.nanoTime();
                    List<BufferedImage> images = previewer.apply(x0);
                    timings.put("preview_" + i, ms(p));
                    GenerationRun.notify(() -> listener.onPreview(new PreviewEvent(i, steps, images)), "onPreview");
                }
            }

            @Override
            public boolean wantsDenoised(int step) {
                return previewer != null && (step + 1) % previewEvery == 0;
            }
        };
    }

    /** Whether anyone listens: previews are only made for a listener other than {@link GenerationListener#NONE}. */
    boolean listening() {
        return listener != GenerationListener.NONE;
    }

    /** Turns previews on: after every {@code every}-th step, {@code previewer} renders x0 (sampler latents) to images. */
    void previews(int every, Function<Tensor, List<BufferedImage>> render) {
        previewEvery = every;
        previewer = render;
    }

    /** Whether the decoder must tile (the memory plan found that only a tiled decode fits, or tiling is on). */
    public boolean tiledDecode() {
        return tiledDecode;
    }

    void tiledDecode(boolean v) {
        tiledDecode = v;
    }

    /** The timings so far, with "total" since the call started. */
    public Map<String, Double> finish() {
        timings.put("total", ms(start));
        return timings;
    }

    private static void notify(Runnable call, String what) {
        try {
            call.run();
        } catch (SprintException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new GenerationCancelledException("generation stopped: the GenerationListener threw in " + what + ": " + e, e);
        }
    }

    static double ms(long sinceNanos) {
        return (System.nanoTime() - sinceNanos) / 1e6;
    }
}
