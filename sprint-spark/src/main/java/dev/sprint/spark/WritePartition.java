package dev.sprint.spark;

import dev.sprint.api.SprintException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;

/**
 * Writes the PNG of each generated row into the output folder (any Hadoop file system: local, HDFS, S3A, ...) and
 * returns the partition's manifest lines in input order. A PNG is written under a name of its task attempt and
 * renamed into place, so a retried or speculative attempt (which draws the same bytes) never leaves half a file.
 */
final class WritePartition implements MapPartitionsFunction<Row, String> {
    private final String folder;
    private final Broadcast<HashMap<String, String>> hadoopConf;
    private final InputColumns columns;
    private final int index;
    private final int png;
    private final int provenance;

    WritePartition(String folder, Broadcast<HashMap<String, String>> hadoopConf, InputColumns columns, int index,
                   int png, int provenance) {
        this.folder = folder;
        this.hadoopConf = hadoopConf;
        this.columns = columns;
        this.index = index;
        this.png = png;
        this.provenance = provenance;
    }

    /** File name of the image of input row {@code i}: zero-padded so names sort in input order. */
    static String fileName(long i) {
        return String.format(Locale.ROOT, "%06d.png", i);
    }

    @Override
    public Iterator<String> call(Iterator<Row> rows) throws IOException {
        Path dir = new Path(folder);
        TaskContext task = TaskContext.get();
        String attempt = task == null ? "local" : task.stageId() + "-" + task.partitionId() + "-" + task.attemptNumber();
        List<Map.Entry<Long, String>> lines = new ArrayList<>();
        try (FileSystem fs = open(dir.toUri(), hadoopConf.value())) {
            while (rows.hasNext()) {
                Row r = rows.next();
                long i = r.getLong(index);
                String name = fileName(i);
                write(fs, new Path(dir, name), new Path(dir, "." + name + "." + attempt + ".tmp"), (byte[]) r.get(png));
                String line = new Json().put("row", i).put("prompt", r.getString(columns.prompt))
                        .putRaw("seed", seedJson(r)).put("file", name)
                        .putRaw("provenance", r.getString(provenance)).toString();
                lines.add(Map.entry(i, line));
            }
        }
        lines.sort(Map.Entry.comparingByKey(Comparator.naturalOrder()));
        return lines.stream().map(Map.Entry::getValue).iterator();
    }

    /** The seed as the provenance holds it (the parsed number), whatever the input column's type. */
    private String seedJson(Row r) {
        Object v = r.get(columns.seed);
        return v instanceof String s ? Long.toString(Long.parseLong(s.trim())) : Long.toString(((Number) v).longValue());
    }

    /** A private, checksum-free instance: no {@code .crc} files beside the images, and Spark's cached one untouched. */
    static FileSystem open(URI uri, Map<String, String> conf) throws IOException {
        Configuration c = new Configuration(false);
        conf.forEach(c::set);
        FileSystem fs = FileSystem.newInstance(uri, c);
        fs.setWriteChecksum(false);
        return fs;
    }

    private static void write(FileSystem fs, Path target, Path tmp, byte[] bytes) {
        try {
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                out.write(bytes);
            }
            if (!fs.rename(tmp, target)) {
                // another attempt of this task got there first; it wrote the same bytes
                if (!fs.exists(target)) throw new SprintException("cannot move " + tmp + " to " + target);
                fs.delete(tmp, false);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + target, e);
        }
    }
}
