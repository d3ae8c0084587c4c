package dev.sprint.api;

/**
 * One finished sampler step.
 *
 * @param step      0-based index of the step that just finished
 * @param steps     number of steps this generation runs
 * @param timestep  the step's timestep in the sampler's own units (TrigFlow angle for SANA-Sprint, sigma for SwD)
 * @param elapsedMs wall-clock milliseconds the step took
 */
public record StepEvent(int step, int steps, double timestep, double elapsedMs) {}
