package dev.sprint.spark;

import org.apache.spark.Partitioner;

/**
 * Spreads rows 0..n−1 over partitions in contiguous, equal ranges: partition i holds the rows before those of
 * partition i+1, so part files in partition order are in input order. Exact and deterministic (no sampling).
 */
final class IndexRanges extends Partitioner {
    private final int partitions;
    private final long rows;

    IndexRanges(int partitions, long rows) {
        this.partitions = partitions;
        this.rows = rows;
    }

    @Override
    public int numPartitions() {
        return partitions;
    }

    @Override
    public int getPartition(Object key) {
        long i = (Long) key;
        // i·p/n without overflow for any realistic row count (p ≤ a few thousand)
        return (int) Math.min(partitions - 1, (long) ((double) i * partitions / rows));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IndexRanges r && r.partitions == partitions && r.rows == rows;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(rows) * 31 + partitions;
    }
}
