package dev.sprint.core.pipeline;

import dev.sprint.api.CancellationToken;
import dev.sprint.api.GenerationCancelledException;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.PipelineClosedException;
import dev.sprint.api.SprintException;
import dev.sprint.api.StepEvent;
import dev.sprint.core.sched.Denoiser;
import dev.sprint.core.sched.StepObserver;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
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

    /** An observer that records each step's milliseconds and tells the listener ({@code steps} in all). */
    public StepObserver stepDone(int steps) {
        return (i, t, x0, resized, latents) -> {
            double elapsed = ms(stepStart);
            timings.put("step_" + i, elapsed);
            notify(() -> listener.onStep(new StepEvent(i, steps, t, elapsed)), "onStep");
        };
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
