package dev.sprint.spark;

import dev.sprint.api.Pipeline;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pipelines this JVM (a Spark executor, or the driver in local mode) has opened: one per
 * {@link SparkImageSettings.PipelineKey}, opened by the first task that needs it, shared by every later task
 * (calls are serialized per pipeline), closed when the JVM shuts down.
 */
final class ExecutorPipelines {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorPipelines.class);
    private static final Map<SparkImageSettings.PipelineKey, Slot> OPEN = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(ExecutorPipelines::closeAll, "sprint-spark-close"));
    }

    private ExecutorPipelines() {}

    /** The pipeline for these settings, opening it on first use (other tasks wait for it rather than load twice). */
    static Pipeline get(SparkImageSettings settings) {
        return OPEN.computeIfAbsent(settings.pipelineKey(), Slot::new).get();
    }

    /** Closes every pipeline opened here; later tasks open them again. */
    static int closeAll() {
        List<Slot> slots = new ArrayList<>(OPEN.values());
        OPEN.clear();
        int closed = 0;
        for (Slot s : slots) closed += s.close() ? 1 : 0;
        return closed;
    }

    /** One key's pipeline: opened once under its own lock, so a slow load blocks only the tasks that need it. */
    private static final class Slot {
        private final SparkImageSettings.PipelineKey key;
        private Pipeline pipeline;

        Slot(SparkImageSettings.PipelineKey key) {
            this.key = key;
        }

        synchronized Pipeline get() {
            if (pipeline == null) { // a failed open leaves it null: the next task (a retry) tries again
                long t = System.nanoTime();
                pipeline = key.open();
                LOG.info("opened Sprint pipeline {} in {} ms", pipeline.describe(), (System.nanoTime() - t) / 1_000_000);
            }
            return pipeline;
        }

        synchronized boolean close() {
            if (pipeline == null) return false;
            try {
                pipeline.close();
            } catch (RuntimeException e) {
                LOG.warn("closing Sprint pipeline of {} failed", key.model(), e);
            }
            pipeline = null;
            return true;
        }
    }
}
