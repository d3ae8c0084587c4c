package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.SprintException;
import dev.sprint.core.testing.Golden;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./sprint spark} on local[2] with the tiny golden model: CSV and Parquet in, PNGs + manifest out. */
class SparkCommandTest {
    private static final Path MODEL = Golden.sana().resolve("model");

    @TempDir
    Path tmp;

    private String run(String... args) {
        return CliRun.ok(List.of("spark", "--model", MODEL.toString(), "--master", "local[2]",
                "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1", "--backend", "djl",
                "--steps", "2", "--width", "64", "--height", "64", "--no-binning"), args);
    }

    private static List<JsonObject> manifest(Path dir) throws Exception {
        List<JsonObject> out = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("manifest.jsonl"), StandardCharsets.UTF_8)) {
            out.add(JsonParser.parseString(line).getAsJsonObject());
        }
        return out;
    }

    private static BufferedImage image(Path dir, JsonObject entry) throws Exception {
        return ImageIO.read(dir.resolve(entry.get("file").getAsString()).toFile());
    }

    @Test
    void csvAndParquetPromptsBecomeAFolderOfPngsWithAManifest() throws Exception {
        Path csv = tmp.resolve("prompts.csv");
        Files.writeString(csv, """
                prompt,seed,width,height,steps
                a red fox in the snow,1,,,
                "a lighthouse, at dusk",2,96,64,1
                "she said ""hi""
                and left",3,,,
                a bowl of ramen,4,64,96,
                """, StandardCharsets.UTF_8);
        Path out = tmp.resolve("out");
        String printed = run("--input", csv.toString(), "--output", out.toString());
        assertTrue(printed.contains("wrote 4 image(s)"), printed);
        List<JsonObject> m = manifest(out);
        assertEquals(4, m.size());
        String[] prompts = {"a red fox in the snow", "a lighthouse, at dusk", "she said \"hi\"\nand left", "a bowl of ramen"};
        int[][] sizes = {{64, 64}, {96, 64}, {64, 64}, {64, 96}};
        for (int i = 0; i < 4; i++) {
            JsonObject e = m.get(i);
            assertEquals(prompts[i], e.get("prompt").getAsString(), "row " + i + " (RFC 4180 quoting, multi-line)");
            assertEquals(i + 1, e.get("seed").getAsLong());
            assertEquals(String.format("%06d.png", i), e.get("file").getAsString());
            BufferedImage img = image(out, e);
            assertEquals(sizes[i][0], img.getWidth(), "row " + i + " width");
            assertEquals(sizes[i][1], img.getHeight(), "row " + i + " height");
            JsonObject p = e.getAsJsonObject("provenance");
            assertEquals(i == 1 ? 1 : 2, p.get("steps").getAsInt());
            assertEquals(i + 1, p.get("seed").getAsLong());
        }

        // the same rows from Parquet (typed columns) give the same files
        Path parquet = tmp.resolve("prompts.parquet");
        SparkSession spark = SparkSession.builder().master("local[1]").config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1").getOrCreate();
        try {
            StructType schema = new StructType().add("prompt", DataTypes.StringType).add("seed", DataTypes.LongType)
                    .add("width", DataTypes.IntegerType).add("height", DataTypes.IntegerType).add("steps", DataTypes.IntegerType);
            spark.createDataFrame(List.of(
                    RowFactory.create(prompts[0], 1L, null, null, null),
                    RowFactory.create(prompts[1], 2L, 96, 64, 1),
                    RowFactory.create(prompts[2], 3L, null, null, null),
                    RowFactory.create(prompts[3], 4L, 64, 96, null)), schema).coalesce(1).write().parquet(parquet.toString());
        } finally {
            spark.stop();
        }
        Path out2 = tmp.resolve("out2");
        run("--input", parquet.toString(), "--output", out2.toString());
        for (JsonObject e : manifest(out)) {
            String f = e.get("file").getAsString();
            assertArrayEquals(Files.readAllBytes(out.resolve(f)), Files.readAllBytes(out2.resolve(f)), f);
        }

        // usage errors and bad rows are told plainly
        assertThrows(CliException.class, () -> run("--input", csv.toString(), "--output", out.toString(), "--bogus", "1"));
        assertThrows(CliException.class, () -> run("--input", tmp.resolve("none.csv").toString(), "--output", out.toString()));
        assertThrows(CliException.class, () -> run("--input", tmp.resolve("p.txt").toString(), "--output", out.toString()));
        InvalidRequestException notEmpty = assertThrows(InvalidRequestException.class,
                () -> run("--input", csv.toString(), "--output", out.toString()));
        assertTrue(notEmpty.getMessage().contains("not empty"), notEmpty.getMessage());
        Path bad = tmp.resolve("bad.csv");
        Files.writeString(bad, "prompt,seed\na fox,not-a-number\n", StandardCharsets.UTF_8);
        SprintException row = assertThrows(SprintException.class,
                () -> run("--input", bad.toString(), "--output", tmp.resolve("out3").toString()));
        assertTrue(row.getMessage().contains("'seed' needs an integer"), row.getMessage());
    }
}
