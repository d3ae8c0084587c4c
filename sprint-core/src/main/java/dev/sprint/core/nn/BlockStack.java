package dev.sprint.core.nn;

import dev.sprint.core.tensor.Arena;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;
import java.util.function.IntFunction;
import java.util.function.Supplier;

/**
 * The repeated blocks of a model (Gemma's decoder layers, CLIP's and T5's encoder layers), each with its weights in
 * an {@link Arena} of its own, run one at a time in a scope of their own so a block's activations are freed as soon
 * as the next one has its input.
 * <ul>
 *   <li>resident: every block is built when the model is;</li>
 *   <li>streamed (a low-memory plan on an eager backend, for a model larger than the memory it may use): a block is
 *       built from the memory-mapped checkpoint just before it runs and freed right after, so the model needs the
 *       memory of one block instead of all of them. Its tensors are still checked when the model is built (a dry
 *       build on a {@code MetaBackend}).</li>
 * </ul>
 *
 * @param <B> the block type
 */
public final class BlockStack<B> implements AutoCloseable {
    private static final ThreadLocal<Boolean> STREAM = new ThreadLocal<>();

    private final TensorBackend backend;
    private final IntFunction<B> build;
    private final int size;
    private final boolean streamed;
    private final List<B> blocks = new ArrayList<>();
    private final List<Arena> arenas = new ArrayList<>();

    /**
     * @param backend the backend the blocks run on
     * @param size    number of blocks
     * @param build   builds block i (reading its weights)
     * @param dryRun  builds block i without uploading (on a {@code MetaBackend}: checks its tensors), for streamed
     *                stacks
     */
    public BlockStack(TensorBackend backend, int size, IntFunction<B> build, IntFunction<B> dryRun) {
        this.backend = backend;
        this.build = build;
        this.size = size;
        this.streamed = Boolean.TRUE.equals(STREAM.get()) && backend.isEager();
        try {
            for (int i = 0; i < size; i++) {
                if (streamed) {
                    dryRun.apply(i);
                } else {
                    Arena a = backend.newArena();
                    arenas.add(a);
                    int k = i;
                    blocks.add(a.build(() -> build.apply(k)));
                }
            }
        } catch (RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    /** Builds the models {@code load} makes with their block stacks streamed (on eager backends). */
    public static <T> T streaming(boolean stream, Supplier<T> load) {
        return Cancellation.withValue(STREAM, stream, load);
    }

    public int size() {
        return size;
    }

    /** Whether the blocks are built per use. */
    public boolean streamed() {
        return streamed;
    }

    /**
     * Runs block {@code i} on {@code in} in a scope of its own (a cancellation check first), keeping only its output.
     *
     * @param freeInput free {@code in} afterwards (an activation nothing else needs)
     */
    public Tensor run(int i, Tensor in, BiFunction<B, Tensor, Tensor> forward, boolean freeInput) {
        return runAll(i, in, (b, x) -> List.of(forward.apply(b, x)), freeInput).get(0);
    }

    /** {@link #run} for a block with several outputs (all kept), e.g. a hidden state and its attention keys/values. */
    public List<Tensor> runAll(int i, Tensor in, BiFunction<B, Tensor, List<Tensor>> forward, boolean freeInput) {
        Cancellation.check();
        if (!streamed) return keepOnly(in, x -> forward.apply(blocks.get(i), x), freeInput);
        try (Arena a = backend.newArena()) {
            B b = a.build(() -> build.apply(i));
            return keepOnly(in, x -> forward.apply(b, x), freeInput);
        }
    }

    private List<Tensor> keepOnly(Tensor in, java.util.function.Function<Tensor, List<Tensor>> f, boolean freeInput) {
        List<Tensor> out;
        try (Scope s = backend.newScope()) {
            out = f.apply(in).stream().map(s::keep).toList();
        }
        if (freeInput && !out.contains(in)) Tensors.free(null, in);
        return out;
    }

    /** Frees the blocks' weights. */
    @Override
    public void close() {
        for (Arena a : arenas) a.close();
        arenas.clear();
        blocks.clear();
    }
}
