package dev.sprint.spark;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.SprintException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Batch image generation over a Spark {@link Dataset}: every row with a {@code prompt} and a {@code seed} (and
 * optionally its own {@code width}, {@code height}, {@code steps}) becomes a PNG.
 *
 * <pre>{@code
 * SparkImageSettings settings = SparkImageSettings.builder()
 *         .model("/shared/models/Sana_Sprint_0.6B_1024px_diffusers").steps(2).build();
 * Dataset<Row> images = SprintSpark.generate(spark.read().parquet("prompts.parquet"), settings);
 * images.select("prompt", "seed", "png", "provenance").write().parquet("images.parquet");
 * // or a folder of PNG files plus manifest.jsonl:
 * SprintSpark.writeImages(spark.read().option("header", "true").csv("prompts.csv"), settings, "out", false);
 * }</pre>
 *
 * <p>How it runs: each executor JVM opens one {@link dev.sprint.api.Pipeline} per distinct model/backend/device
 * settings, the first time a task needs it, and closes it when the JVM exits; tasks running at once on that
 * executor share it and take turns (one device), so give executors one task slot each (or set
 * {@code spark.task.cpus} to the executor's cores). Within a partition, rows of equal size and steps are generated
 * together, {@link SparkImageSettings#batchSize()} at a time, each image drawn from its own generator seeded by
 * its row: a retried or speculative task makes the same bytes. Batched images can differ from one-at-a-time
 * images by a level or two in a few pixels (floating-point sums in another order); {@code batchSize(1)} makes each
 * image exactly that of {@code Pipeline.generate} for its prompt and seed.
 *
 * <p>Needs a Sprint implementation and a backend on the executors' class path ({@code dev.sprint:sprint-core}
 * plus {@code sprint-backend-djl} or {@code sprint-backend-onnx}), and the model at the same path on each of them.
 */
public final class SprintSpark {
    /** Input column: the prompt (string). */
    public static final String PROMPT = "prompt";
    /** Input column: the seed of the row's noise generator (integer, or a string holding one). */
    public static final String SEED = "seed";
    /** Optional input column: image width; null or absent = the settings' width. */
    public static final String WIDTH = "width";
    /** Optional input column: image height; null or absent = the settings' height. */
    public static final String HEIGHT = "height";
    /** Optional input column: sampler steps; null or absent = the settings' steps. */
    public static final String STEPS = "steps";
    /** Output column: the PNG file's bytes (binary), with the provenance as PNG text chunks. */
    public static final String PNG = "png";
    /** Output column: the provenance as a JSON object (model, pipeline, backend, prompt, seed, steps, size, extras). */
    public static final String PROVENANCE = "provenance";
    /** Name of the manifest {@link #writeImages} writes: one JSON object per row. */
    public static final String MANIFEST = "manifest.jsonl";

    private static final String ROW_INDEX = "__sprint_row";
    private static final String MANIFEST_PARTS = "_sprint_manifest_parts";
    /** What {@link #writeImages} puts in its folder (images, manifest, and what a failed run leaves behind). */
    private static final Pattern OWN_FILES = Pattern.compile(
            "\\d{6,}\\.png|" + Pattern.quote(MANIFEST) + "|" + MANIFEST_PARTS + "|\\.\\d{6,}\\.png\\..+\\.tmp");

    private SprintSpark() {}

    /**
     * The input with two columns added, {@value #PNG} and {@value #PROVENANCE}; lazy, like any transformation.
     *
     * @throws InvalidRequestException on the driver, when a column is missing or of the wrong type
     */
    public static Dataset<Row> generate(Dataset<Row> input, SparkImageSettings settings) {
        InputColumns columns = InputColumns.of(input.schema());
        return input.mapPartitions(new GeneratePartition(settings, columns), Encoders.row(outputSchema(input.schema())));
    }

    /** The schema {@link #generate} returns for an input schema. */
    public static StructType outputSchema(StructType input) {
        return input.add(PNG, DataTypes.BinaryType, false).add(PROVENANCE, DataTypes.StringType, false);
    }

    /**
     * Generates every row and writes {@code NNNNNN.png} (the row's position in the input, from 0) into
     * {@code folder}, plus {@value #MANIFEST} with one JSON object per row in input order: {@code row},
     * {@code prompt}, {@code seed}, {@code file} (relative to the folder) and {@code provenance}. The folder may be
     * any Hadoop file system path the executors can write (local only in local mode or on a shared mount). An input
     * with fewer partitions than {@code spark.default.parallelism} is spread over that many (contiguous row
     * ranges), so that every executor gets work.
     *
     * @param overwrite replace an earlier output (a folder holding only files this method writes); otherwise the
     *                  folder must be absent or empty
     * @return the number of images written
     */
    public static long writeImages(Dataset<Row> input, SparkImageSettings settings, String folder, boolean overwrite) {
        InputColumns.of(input.schema()); // fail on the driver before any work
        if (Arrays.asList(input.schema().fieldNames()).contains(ROW_INDEX)) {
            throw new InvalidRequestException("the input has a column '" + ROW_INDEX + "', which Sprint uses");
        }
        SparkSession spark = input.sparkSession();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        HashMap<String, String> conf = new HashMap<>();
        spark.sparkContext().hadoopConfiguration().forEach(e -> conf.put(e.getKey(), e.getValue()));
        try (FileSystem fs = WritePartition.open(new Path(folder).toUri(), conf)) {
            Path dir = fs.makeQualified(new Path(folder)); // executors do not share the driver's working directory
            prepare(fs, dir, overwrite);

            StructType indexedSchema = input.schema().add(ROW_INDEX, DataTypes.LongType, false);
            JavaRDD<Row> indexed = spread(input, jsc).map(new AppendIndex());
            Dataset<Row> generated = generate(spark.createDataFrame(indexed, indexedSchema), settings);
            StructType out = generated.schema();
            Broadcast<HashMap<String, String>> bconf = jsc.broadcast(conf);
            Path parts = new Path(dir, MANIFEST_PARTS);
            // generate() appends its columns, so the input columns keep their places
            try {
                generated.mapPartitions(new WritePartition(dir.toString(), bconf, InputColumns.of(indexedSchema),
                                out.fieldIndex(ROW_INDEX), out.fieldIndex(PNG), out.fieldIndex(PROVENANCE)), Encoders.STRING())
                        .write().text(parts.toString());
            } catch (Exception e) { // includes Spark's undeclared checked SparkException
                fs.delete(parts, true); // the images written so far stay; overwrite replaces them
                throw e;
            } finally {
                bconf.destroy();
            }
            long n = mergeManifest(fs, parts, new Path(dir, MANIFEST));
            fs.delete(parts, true);
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write images to " + folder, e);
        }
    }

    /**
     * Closes the pipelines this JVM opened (in local mode the driver is the executor). Executors close theirs when
     * they exit; call this only while no job is generating.
     *
     * @return how many were closed
     */
    public static int closeLocalPipelines() {
        return ExecutorPipelines.closeAll();
    }

    private static void prepare(FileSystem fs, Path dir, boolean overwrite) throws IOException {
        if (fs.exists(dir)) {
            if (!fs.getFileStatus(dir).isDirectory()) throw new InvalidRequestException(dir + " is a file, not a folder");
            FileStatus[] content = fs.listStatus(dir);
            if (content.length > 0) {
                if (!overwrite) {
                    throw new InvalidRequestException("output folder " + dir + " is not empty (overwrite replaces an"
                            + " earlier output)");
                }
                for (FileStatus f : content) {
                    if (!OWN_FILES.matcher(f.getPath().getName()).matches()) {
                        throw new InvalidRequestException("output folder " + dir + " holds " + f.getPath().getName()
                                + ", which Sprint did not write; not deleting it");
                    }
                }
                for (FileStatus f : content) fs.delete(f.getPath(), true);
            }
        }
        if (!fs.mkdirs(dir)) throw new SprintException("cannot create " + dir);
    }

    /** Concatenates Spark's part files in partition order (which is input order) into one file. */
    private static long mergeManifest(FileSystem fs, Path parts, Path target) throws IOException {
        List<Path> files = new ArrayList<>();
        for (FileStatus s : fs.listStatus(parts)) {
            String name = s.getPath().getName();
            if (s.isFile() && name.startsWith("part-")) files.add(s.getPath());
        }
        files.sort(null);
        long lines = 0;
        try (OutputStream out = fs.create(target, true)) {
            byte[] buf = new byte[1 << 16];
            for (Path f : files) {
                try (InputStream in = fs.open(f)) {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        out.write(buf, 0, n);
                        for (int i = 0; i < n; i++) if (buf[i] == '\n') lines++;
                    }
                }
            }
        }
        return lines;
    }

    /**
     * The rows numbered in input order, over at least {@code spark.default.parallelism} partitions: a prompt file
     * small enough to be read as one partition would otherwise be generated by one executor.
     */
    private static JavaPairRDD<Long, Row> spread(Dataset<Row> input, JavaSparkContext jsc) {
        JavaPairRDD<Long, Row> numbered = input.javaRDD().zipWithIndex().mapToPair(Tuple2::swap);
        int have = numbered.getNumPartitions();
        int want = jsc.defaultParallelism();
        if (have >= want) return numbered;
        long rows = numbered.count();
        if (rows <= have) return numbered;
        return numbered.partitionBy(new IndexRanges((int) Math.min(want, rows), rows));
    }

    /** (index, row) → row with the index appended. */
    private static final class AppendIndex implements Function<Tuple2<Long, Row>, Row> {
        @Override
        public Row call(Tuple2<Long, Row> t) {
            Row r = t._2();
            Object[] v = new Object[r.length() + 1];
            for (int i = 0; i < r.length(); i++) v[i] = r.get(i);
            v[r.length()] = t._1();
            return RowFactory.create(v);
        }
    }
}
