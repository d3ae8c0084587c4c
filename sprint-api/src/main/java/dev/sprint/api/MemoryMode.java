package dev.sprint.api;

/**
 * How a pipeline holds its components (text encoders, transformer, VAE) in memory; set with
 * {@link Pipeline.Builder#memory(MemoryMode)} or {@code ./sprint --memory auto|resident|low}. The pipeline knows
 * each component's bytes before it loads it (from the checkpoint's headers) and each stage's activation peak for
 * a request's shape, so the choice is made before any work.
 */
public enum MemoryMode implements PipelineOption {
    /**
     * The default: {@link #RESIDENT} when every component plus the largest stage fits the memory this process may
     * use (physical memory, the container's limit, {@code -XX:MaxDirectMemorySize} for direct-buffer backends),
     * else {@link #LOW}.
     */
    AUTO,
    /** Every component loaded when the pipeline opens and kept until it closes: fastest for repeated calls. */
    RESIDENT,
    /**
     * Components materialised from the memory-mapped checkpoint when their stage runs and released when another
     * stage needs the memory (diffusers' model CPU offload); on eager backends a component larger than what is free
     * runs block by block. Each call pays the load of every component again.
     */
    LOW
}
