package dev.sprint.core.sched;

/** Standard normal float32 values of a shape (batch first), in the reference's draw order. */
@FunctionalInterface
public interface Noise {
    float[] randn(long[] shape);
}
