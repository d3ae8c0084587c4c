package com.example.sprintspark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the job on a local Spark with the tiny test model of the Sprint repository (random weights, 64x64). */
class GenerateImagesTest {
    /** The Sprint repository's bundled test model, two folders up from this project. */
    private static final Path MODEL = Path.of("../../golden/sana-sprint/model").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    @Test
    void promptsBecomePngsAndAManifest() throws Exception {
        assertTrue(Files.isDirectory(MODEL), "tiny model not found at " + MODEL);
        Path csv = tmp.resolve("prompts.csv");
        Files.writeString(csv, "prompt,seed,steps\na red fox in the snow,1,\na lighthouse at dusk,2,1\n");
        Path out = tmp.resolve("out");
        System.setProperty("spark.master", "local[2]"); // what spark-submit --master would set
        System.setProperty("spark.ui.enabled", "false");
        GenerateImages.main(new String[] {MODEL.toString(), csv.toString(), out.toString(),
                "--steps", "2", "--width", "64", "--height", "64", "--no-binning"});

        List<String> manifest = Files.readAllLines(out.resolve("manifest.jsonl"), StandardCharsets.UTF_8);
        assertEquals(2, manifest.size());
        assertTrue(manifest.get(0).contains("\"file\":\"000000.png\"") && manifest.get(1).contains("\"seed\":2"),
                String.join("\n", manifest));
        for (String f : List.of("000000.png", "000001.png")) {
            byte[] png = Files.readAllBytes(out.resolve(f));
            assertTrue(png.length > 8 && png[1] == 'P' && png[2] == 'N' && png[3] == 'G', f + " is not a PNG");
        }
    }
}
