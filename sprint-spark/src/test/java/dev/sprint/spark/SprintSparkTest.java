package dev.sprint.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.SparkException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SprintSpark} on a local[2] session (two task threads, each task tried at most twice) with the tiny golden
 * SANA-Sprint model at 64x64-ish sizes: the images are those of the plain {@link Pipeline} for the same seeds, a
 * retried task redraws its first attempt's bytes, and the folder writer makes one PNG per row plus the manifest.
 */
class SprintSparkTest {
    private static final Path MODEL = Golden.sana().resolve("model");
    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.IntegerType, false)
            .add(SprintSpark.PROMPT, DataTypes.StringType, true)
            .add(SprintSpark.SEED, DataTypes.LongType, true)
            .add(SprintSpark.WIDTH, DataTypes.IntegerType, true)
            .add(SprintSpark.HEIGHT, DataTypes.IntegerType, true)
            .add(SprintSpark.STEPS, DataTypes.IntegerType, true);
    /** Mixed sizes and steps, some taken from the settings (null), and one prompt with two seeds. */
    private static final List<Row> ROWS = List.of(
            RowFactory.create(0, "a red fox in the snow", 1L, null, null, null),
            RowFactory.create(1, "a lighthouse at dusk", 2L, null, null, 1),
            RowFactory.create(2, "a bowl of ramen", 3L, 96, 64, null),
            RowFactory.create(3, "a red fox in the snow", 4L, null, null, null),
            RowFactory.create(4, "an old map", 5L, 96, 64, null),
            RowFactory.create(5, "Snowy MOUNTAINS, oil painting", 6L, null, null, null),
            RowFactory.create(6, "a tiny robot", 7L, 64, 96, 1),
            RowFactory.create(7, "a lighthouse at dusk", 8L, null, null, 1));

    private static SparkSession spark;
    private static Pipeline plain;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        spark = SparkSession.builder().appName("sprint-spark-test")
                .master("local[2,2]") // local[2] with task retries (local mode tries a task once unless told)
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.sql.shuffle.partitions", "2")
                .getOrCreate();
        plain = Pipeline.builder().model(MODEL).backend("djl").build();
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
        if (plain != null) plain.close();
        SprintSpark.closeLocalPipelines();
    }

    private static SparkImageSettings.Builder settings() {
        return SparkImageSettings.builder().model(MODEL.toString()).backend("djl").size(64, 64).steps(2)
                .resolutionBinning(false);
    }

    private static Dataset<Row> input(List<Row> rows, int partitions) {
        return spark.createDataFrame(rows, SCHEMA).repartition(partitions);
    }

    /** id → (png, provenance) of a generated dataset. */
    private static Map<Integer, Row> byId(Dataset<Row> out) {
        return out.collectAsList().stream().collect(Collectors.toMap(r -> r.getInt(0), r -> r));
    }

    private static final Map<Row, byte[]> PLAIN = new ConcurrentHashMap<>();

    /** The plain pipeline's pixels for one input row with the test settings' defaults (computed once per row). */
    private static byte[] plainPixels(Row in) {
        return PLAIN.computeIfAbsent(in, SprintSparkTest::generatePlain);
    }

    private static byte[] generatePlain(Row in) {
        GenerationRequest.Builder b = GenerationRequest.builder().prompt(in.getString(1)).seed(in.getLong(2))
                .width(in.isNullAt(3) ? 64 : in.getInt(3)).height(in.isNullAt(4) ? 64 : in.getInt(4))
                .steps(in.isNullAt(5) ? 2 : in.getInt(5)).resolutionBinning(false);
        return plain.generate(b.build()).image().rgb();
    }

    private static BufferedImage decode(byte[] png) {
        try {
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertNotNull(img, "not a PNG");
            return img;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] pixels(byte[] png) {
        BufferedImage img = decode(png);
        byte[] out = new byte[img.getWidth() * img.getHeight() * 3];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int i = (y * img.getWidth() + x) * 3;
                out[i] = (byte) (rgb >> 16);
                out[i + 1] = (byte) (rgb >> 8);
                out[i + 2] = (byte) rgb;
            }
        }
        return out;
    }

    private static void assertProvenance(Row in, Row out) {
        JsonObject p = JsonParser.parseString(out.getString(out.fieldIndex(SprintSpark.PROVENANCE))).getAsJsonObject();
        assertEquals(in.getString(1), p.get("prompt").getAsString());
        assertEquals(in.getLong(2), p.get("seed").getAsLong());
        assertEquals(in.isNullAt(3) ? 64 : in.getInt(3), p.get("width").getAsInt());
        assertEquals(in.isNullAt(4) ? 64 : in.getInt(4), p.get("height").getAsInt());
        assertEquals(in.isNullAt(5) ? 2 : in.getInt(5), p.get("steps").getAsInt());
        assertEquals("SanaSprintPipeline", p.get("pipeline").getAsString());
        JsonObject extras = p.getAsJsonObject("extras");
        assertFalse(extras.has("image_index"), "batch position leaked into the provenance: " + p);
        BufferedImage img = decode((byte[]) out.get(out.fieldIndex(SprintSpark.PNG)));
        assertEquals(p.get("width").getAsInt(), img.getWidth());
        assertEquals(p.get("height").getAsInt(), img.getHeight());
    }

    @Test
    void oneRowPerCallGivesExactlyThePlainPipelineImages() {
        Map<Integer, Row> out = byId(SprintSpark.generate(input(ROWS, 2), settings().batchSize(1).build()));
        assertEquals(ROWS.size(), out.size());
        for (Row in : ROWS) {
            Row o = out.get(in.getInt(0));
            assertProvenance(in, o);
            assertArrayEquals(plainPixels(in), pixels((byte[]) o.get(o.fieldIndex(SprintSpark.PNG))),
                    "row " + in + ": batch size 1 must give the plain pipeline's image");
        }
    }

    @Test
    void batchedRowsMatchThePlainPipelineWithinTheGoldenTolerance() {
        Map<Integer, Row> out = byId(SprintSpark.generate(input(ROWS, 1), settings().batchSize(4).build()));
        long values = 0;
        long differ = 0;
        int maxDiff = 0;
        for (Row in : ROWS) {
            Row o = out.get(in.getInt(0));
            assertProvenance(in, o);
            byte[] want = plainPixels(in);
            byte[] got = pixels((byte[]) o.get(o.fieldIndex(SprintSpark.PNG)));
            assertEquals(want.length, got.length, "row " + in);
            for (int i = 0; i < want.length; i++) {
                int d = Math.abs((want[i] & 255) - (got[i] & 255));
                if (d > 2) fail("row " + in + ": value " + i + " differs by " + d + " from the plain pipeline");
                if (d > 0) differ++;
                maxDiff = Math.max(maxDiff, d);
            }
            values += want.length;
        }
        System.out.printf("batched (batch size 4, 8 rows in one partition) vs plain pipeline: %d of %d values differ, max %d%n",
                differ, values, maxDiff);
        assertTrue(differ <= values / 1000, differ + " of " + values + " values differ (golden tolerance: 0.1 %)");
    }

    @Test
    void bytesDependOnThePartitionsRowsNotOnTheirOrder() {
        SparkImageSettings s = settings().batchSize(3).build();
        List<Row> reversed = new ArrayList<>(ROWS);
        Collections.reverse(reversed);
        Map<Integer, Row> a = byId(SprintSpark.generate(spark.createDataFrame(ROWS, SCHEMA).coalesce(1), s));
        Map<Integer, Row> b = byId(SprintSpark.generate(spark.createDataFrame(reversed, SCHEMA).coalesce(1), s));
        for (Row in : ROWS) {
            int id = in.getInt(0);
            assertArrayEquals((byte[]) a.get(id).get(6), (byte[]) b.get(id).get(6), "row " + in);
            assertEquals(a.get(id).getString(7), b.get(id).getString(7));
        }
    }

    /** Records each attempt's PNG bytes, then fails the first attempt of partition 0 after it generated them. */
    static final class FailFirstAttempt implements MapPartitionsFunction<Row, Row> {
        static final Map<String, byte[]> SEEN = new ConcurrentHashMap<>();

        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            TaskContext task = TaskContext.get();
            List<Row> all = new ArrayList<>();
            rows.forEachRemaining(all::add);
            for (Row r : all) SEEN.put(task.attemptNumber() + ":" + r.getInt(0), (byte[]) r.get(6));
            if (task.partitionId() == 0 && task.attemptNumber() == 0) {
                throw new IllegalStateException("injected failure of the first attempt of partition 0");
            }
            return all.iterator();
        }
    }

    @Test
    void aRetriedTaskRedrawsItsFirstAttemptsBytes() {
        FailFirstAttempt.SEEN.clear();
        Dataset<Row> generated = SprintSpark.generate(input(ROWS, 2), settings().batchSize(2).build());
        StructType schema = generated.schema();
        Map<Integer, Row> out = byId(generated.mapPartitions(new FailFirstAttempt(), Encoders.row(schema)));
        assertEquals(ROWS.size(), out.size());
        List<String> retried = FailFirstAttempt.SEEN.keySet().stream().filter(k -> k.startsWith("1:")).toList();
        assertFalse(retried.isEmpty(), "no task was retried: " + FailFirstAttempt.SEEN.keySet());
        for (String k : retried) {
            String id = k.substring(2);
            byte[] first = FailFirstAttempt.SEEN.get("0:" + id);
            assertNotNull(first, "row " + id + " has no first attempt");
            assertArrayEquals(first, FailFirstAttempt.SEEN.get(k), "row " + id + ": retry drew other bytes");
            assertArrayEquals(first, (byte[]) out.get(Integer.parseInt(id)).get(6));
        }
    }

    @Test
    void stringColumnsAsReadFromCsvWork() {
        StructType strings = new StructType().add("id", DataTypes.IntegerType).add("prompt", DataTypes.StringType)
                .add("seed", DataTypes.StringType).add("steps", DataTypes.StringType);
        List<Row> rows = List.of(RowFactory.create(0, "a red fox in the snow", " 1", ""),
                RowFactory.create(1, "a lighthouse at dusk", "2", "1"));
        Map<Integer, Row> out = byId(SprintSpark.generate(spark.createDataFrame(rows, strings), settings().batchSize(1).build()));
        assertArrayEquals(plainPixels(ROWS.get(0)), pixels((byte[]) out.get(0).get(4)));
        assertArrayEquals(plainPixels(ROWS.get(1)), pixels((byte[]) out.get(1).get(4)));
    }

    @Test
    void writeImagesMakesOnePngPerRowAndTheManifestInInputOrder() throws IOException {
        Path dir = tmp.resolve("out");
        List<Row> rows = ROWS.subList(2, 7); // ids 2..6: two sizes, two step counts
        Dataset<Row> in = spark.createDataFrame(rows, SCHEMA).coalesce(1); // input order = this list's
        SparkImageSettings s = settings().batchSize(4).build();
        assertEquals(rows.size(), SprintSpark.writeImages(in, s, dir.toString(), false));

        List<String> lines = Files.readAllLines(dir.resolve(SprintSpark.MANIFEST), StandardCharsets.UTF_8);
        assertEquals(rows.size(), lines.size());
        Map<Integer, Row> generated = byId(SprintSpark.generate(in, s));
        for (int i = 0; i < rows.size(); i++) {
            JsonObject m = JsonParser.parseString(lines.get(i)).getAsJsonObject();
            assertEquals(i, m.get("row").getAsInt());
            assertEquals(rows.get(i).getString(1), m.get("prompt").getAsString());
            assertEquals(rows.get(i).getLong(2), m.get("seed").getAsLong());
            assertEquals(String.format("%06d.png", i), m.get("file").getAsString());
            assertEquals(rows.get(i).getLong(2), m.getAsJsonObject("provenance").get("seed").getAsLong());
            assertArrayEquals((byte[]) generated.get(rows.get(i).getInt(0)).get(6), Files.readAllBytes(dir.resolve(m.get("file").getAsString())),
                    "the file holds the bytes generate() makes for row " + i);
        }
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName().toString()).sorted().toList();
            List<String> want = new ArrayList<>();
            for (int i = 0; i < rows.size(); i++) want.add(String.format("%06d.png", i));
            want.add(SprintSpark.MANIFEST);
            assertEquals(want, names, "nothing but the images and the manifest (no .crc, tmp or part files)");
        }

        InvalidRequestException again = assertThrows(InvalidRequestException.class,
                () -> SprintSpark.writeImages(in, s, dir.toString(), false));
        assertTrue(again.getMessage().contains("not empty"), again.getMessage());
        Dataset<Row> two = spark.createDataFrame(ROWS.subList(0, 2), SCHEMA).coalesce(1);
        assertEquals(2, SprintSpark.writeImages(two, s, dir.toString(), true));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(3, files.count(), "overwrite replaced the earlier output");
        }
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        assertThrows(InvalidRequestException.class, () -> SprintSpark.writeImages(two, s, foreign.toString(), true));
        assertTrue(Files.exists(foreign.resolve("notes.txt")), "a folder Sprint did not write is never deleted");
    }

    @Test
    void badInputIsRejectedWithTheColumnOrRowNamed() {
        SparkImageSettings s = settings().build();
        Dataset<Row> noSeed = spark.createDataFrame(ROWS, SCHEMA).drop("seed");
        InvalidRequestException e = assertThrows(InvalidRequestException.class, () -> SprintSpark.generate(noSeed, s));
        assertTrue(e.getMessage().contains("no column 'seed'"), e.getMessage());
        Dataset<Row> doubles = spark.createDataFrame(ROWS, SCHEMA).withColumn("seed", org.apache.spark.sql.functions.lit(1.5));
        e = assertThrows(InvalidRequestException.class, () -> SprintSpark.generate(doubles, s));
        assertTrue(e.getMessage().contains("must hold integers"), e.getMessage());
        assertThrows(InvalidRequestException.class, () -> settings().batchSize(0).build());

        List<Row> nullSeed = List.of(RowFactory.create(0, "a fox", null, null, null, null));
        SparkException job = assertThrows(SparkException.class,
                () -> SprintSpark.generate(spark.createDataFrame(nullSeed, SCHEMA), s).collectAsList());
        assertTrue(job.getMessage().contains("has no seed"), job.getMessage());
        List<Row> badSize = List.of(RowFactory.create(0, "a fox", 1L, 70, 64, null));
        job = assertThrows(SparkException.class,
                () -> SprintSpark.generate(spark.createDataFrame(badSize, SCHEMA), s).collectAsList());
        assertTrue(job.getMessage().contains("multiples of 32") && job.getMessage().contains("seed 1"), job.getMessage());
    }

    @Test
    void settingsAreSerializableAndKeyOnePipelinePerModelAndDevice() throws Exception {
        SparkImageSettings a = settings().steps(1).build();
        SparkImageSettings b = settings().steps(2).size(96, 64).batchSize(7).build();
        assertEquals(a.pipelineKey(), b.pipelineKey(), "request defaults share the executor's pipeline");
        assertFalse(a.pipelineKey().equals(settings().device("cpu").build().pipelineKey()));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(bytes)) {
            o.writeObject(b);
        }
        try (java.io.ObjectInputStream i = new java.io.ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(b, i.readObject());
        }
        assertTrue(bytes.size() < 1024, "settings travel with every task: " + bytes.size() + " bytes");
    }
}
