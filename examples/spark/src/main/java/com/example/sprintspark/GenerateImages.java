package com.example.sprintspark;

import dev.sprint.spark.SparkImageSettings;
import dev.sprint.spark.SprintSpark;
import java.util.Arrays;
import java.util.Iterator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * A Spark job: a table of prompts and seeds (CSV with a header, or Parquet; columns prompt, seed and optionally
 * width, height, steps) becomes a folder with one PNG per row and manifest.jsonl.
 *
 * <pre>
 * GenerateImages MODEL_DIR INPUT OUTPUT_DIR [--steps N] [--width W --height H] [--no-binning] [--batch-size N]
 * </pre>
 *
 * MODEL_DIR must be readable at the same path on every executor (a shared mount), or be a Hugging Face repo id in
 * each executor's Hugging Face cache.
 */
public final class GenerateImages {
    private GenerateImages() {}

    public static void main(String[] args) {
        if (args.length < 3) {
            System.err.println("usage: GenerateImages MODEL_DIR INPUT.csv|INPUT.parquet OUTPUT_DIR [--steps N]"
                    + " [--width W --height H] [--no-binning] [--batch-size N]");
            System.exit(2);
        }
        SparkImageSettings.Builder settings = SparkImageSettings.builder().model(args[0]);
        for (Iterator<String> it = Arrays.asList(args).subList(3, args.length).iterator(); it.hasNext(); ) {
            String option = it.next();
            switch (option) {
                case "--steps" -> settings.steps(Integer.parseInt(it.next()));
                case "--width" -> settings.width(Integer.parseInt(it.next()));
                case "--height" -> settings.height(Integer.parseInt(it.next()));
                case "--batch-size" -> settings.batchSize(Integer.parseInt(it.next()));
                case "--no-binning" -> settings.resolutionBinning(false);
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        String input = args[1];
        String output = args[2];

        SparkSession spark = SparkSession.builder().appName("sprint-images").getOrCreate();
        try {
            Dataset<Row> prompts = input.endsWith(".csv")
                    ? spark.read().option("header", "true").option("escape", "\"").csv(input)
                    : spark.read().parquet(input);
            long n = SprintSpark.writeImages(prompts, settings.build(), output, false);
            System.out.println("wrote " + n + " images and " + SprintSpark.MANIFEST + " to " + output);
        } finally {
            spark.stop();
        }
    }
}
