package dev.sprint.examples;

import java.io.PrintStream;
import java.util.List;

/**
 * {@code ./sprint spark}: a batch job that turns a table of prompts and seeds into a folder of PNG files plus
 * {@code manifest.jsonl}, on a local Spark or under {@code spark-submit}. This class only checks that Spark is on
 * the class path (the other commands run without it) and hands over to {@link SparkJob}.
 */
final class SparkCommand {
    static final String USAGE = """
            Usage: ./sprint spark --model DIR|REPO_ID --input prompts.csv|prompts.parquet --output DIR [options]

            Generates one PNG per input row (columns: prompt, seed; optional per-row width, height, steps) into DIR,
            named by the row's position (000000.png, ...), and DIR/manifest.jsonl with one JSON object per row
            (row, prompt, seed, file, provenance). Each executor JVM loads the model once; rows of equal size and
            steps are generated together; every image is drawn from its row's seed, so reruns give the same bytes.

            Options:
              --model DIR|REPO_ID   model folder (the same path on every executor) or repo id in their HF cache
              --input FILE          CSV with a header row, or Parquet (file or folder); any Hadoop path
              --format csv|parquet  input format when the name does not end in .csv / .parquet
              --output DIR          output folder: absent or empty (see --overwrite); any Hadoop path
              --overwrite           replace an earlier output of this command in DIR
              --master URL          Spark master (default: spark-submit's, else local[*])
              --conf KEY=VALUE      a Spark setting (repeatable), e.g. --conf spark.default.parallelism=8
              --steps N --width W --height H --guidance G --max-sequence-length L
                                    defaults for rows that leave width/height/steps empty
              --no-binning          generate at exactly W x H (multiples of 32)
              --batch-size N        rows per generation call (default 4; 1 = each image independent of its batch)
              --backend NAME --device D --precision P --threads N
                                    as for ./sprint generate
            """;

    private SparkCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0 || List.of("help", "--help", "-h").contains(argv[0])) {
            out.print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        try {
            Class.forName("org.apache.spark.sql.SparkSession", false, SparkCommand.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new CliException("the spark command needs Apache Spark on the class path: run it as ./sprint spark"
                    + " (which adds Spark from Maven) or through spark-submit (see docs/spark.md)");
        }
        return SparkJob.run(argv, out, err);
    }
}
