package dev.sprint.server;

/**
 * Where one {@link ImageJob} is now.
 *
 * @param state         queued, running or finished
 * @param queuePosition 1 for the next request to run, 0 when not queued
 * @param batchSize     images in the batch it runs in (0 while queued)
 * @param stage         the stage its batch is in ("text_encoder", "step", "decode", ...), or null
 * @param step          sampler steps finished so far
 * @param steps         sampler steps of its batch, 0 before the first step
 */
public record JobStatus(State state, int queuePosition, int batchSize, String stage, int step, int steps) {
    /** Life cycle of a job. */
    public enum State {
        QUEUED, RUNNING, DONE, FAILED, CANCELLED
    }
}
