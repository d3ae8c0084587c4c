package dev.sprint.spark;

import java.util.Comparator;
import java.util.Objects;
import org.apache.spark.sql.Row;

/**
 * One input row and what it asks for; null size or steps mean the model's default.
 *
 * @param row    the input row, passed through to the output
 * @param prompt its prompt
 * @param seed   the seed of its own noise generator
 * @param width  requested width, or null
 * @param height requested height, or null
 * @param steps  requested steps, or null
 */
record Item(Row row, String prompt, long seed, Integer width, Integer height, Integer steps) {
    private static final Comparator<Integer> NULLS_FIRST = Comparator.nullsFirst(Comparator.naturalOrder());

    /**
     * The order rows are batched in: by size and steps (so compatible rows sit together), then by prompt and seed,
     * then by the whole row. It depends only on the rows, never on the order a partition delivers them, so a task
     * rerun on the same rows builds the same batches and draws the same bytes.
     */
    static final Comparator<Item> ORDER = Comparator.comparing(Item::width, NULLS_FIRST)
            .thenComparing(Item::height, NULLS_FIRST)
            .thenComparing(Item::steps, NULLS_FIRST)
            .thenComparing(Item::prompt)
            .thenComparingLong(Item::seed)
            .thenComparing(i -> i.row().toString());

    /** Whether two rows can share one generation call. */
    boolean compatible(Item o) {
        return Objects.equals(width, o.width) && Objects.equals(height, o.height) && Objects.equals(steps, o.steps);
    }

    /** "WxH, N steps" with "default" for what the model decides. */
    String shape() {
        return (width == null ? "default" : width) + "x" + (height == null ? "default" : height) + ", "
                + (steps == null ? "default" : steps) + " steps";
    }
}
