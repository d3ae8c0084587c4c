package dev.sprint.examples;

import dev.sprint.api.Precision;
import dev.sprint.api.SprintException;
import dev.sprint.spark.SparkImageSettings;
import dev.sprint.spark.SprintSpark;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The Spark job behind {@link SparkCommand}: read the prompts, {@link SprintSpark#writeImages}, report. */
final class SparkJob {
    private SparkJob() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args(argv, Set.of("no-binning", "overwrite"));
        SparkImageSettings.Builder s = SparkImageSettings.builder();
        // executors do not share the launcher's working directory
        a.ifGiven("model", m -> s.model(Files.isDirectory(Path.of(m)) ? Path.of(m).toAbsolutePath().normalize().toString() : m));
        a.ifGiven("backend", s::backend);
        a.ifGiven("device", s::device);
        Precision precision = SprintCli.precision(a);
        if (precision != null) s.precision(precision);
        a.ifInt("threads", s::threads);
        a.ifInt("steps", s::steps);
        a.ifInt("width", s::width);
        a.ifInt("height", s::height);
        a.ifDouble("guidance", s::guidanceScale);
        a.ifInt("max-sequence-length", s::maxSequenceLength);
        if (a.flag("no-binning")) s.resolutionBinning(false);
        a.ifInt("batch-size", s::batchSize);
        String input = a.require("input");
        String format = format(input, a.get("format"));
        String output = a.require("output");
        boolean overwrite = a.flag("overwrite");
        String master = a.get("master");
        SparkSession.Builder sb = SparkSession.builder().appName("sprint spark");
        for (String kv : a.all("conf")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new CliException("--conf needs KEY=VALUE, got '" + kv + "'");
            sb.config(kv.substring(0, eq), kv.substring(eq + 1));
        }
        a.rejectUnknown();
        SparkImageSettings settings = s.build();
        if (isLocalPath(input) && !Files.exists(Path.of(input))) throw new CliException("input " + input + " does not exist");

        if (master != null) sb.master(master);
        else if (!new SparkConf().contains("spark.master")) sb.master("local[*]"); // spark-submit sets one
        quietSparkLogging();
        long start = System.nanoTime();
        SparkSession spark = sb.getOrCreate();
        try {
            Dataset<Row> rows = format.equals("csv")
                    // RFC 4180 quoting (doubled quotes), prompts may span lines; all columns read as text
                    ? spark.read().option("header", "true").option("escape", "\"").option("multiLine", "true").csv(input)
                    : spark.read().parquet(input);
            err.println("generating " + settings.model() + " on " + spark.sparkContext().master() + " ("
                    + spark.sparkContext().defaultParallelism() + " task slots) ...");
            long n = SprintSpark.writeImages(rows, settings, output, overwrite);
            out.printf(Locale.ROOT, "wrote %d image(s) and %s to %s in %.1f s%n", n, SprintSpark.MANIFEST, output,
                    (System.nanoTime() - start) / 1e9);
            return 0;
        } catch (Exception e) { // Scala code throws checked exceptions (AnalysisException) undeclared
            if (e instanceof AnalysisException) throw new CliException("cannot read " + input + ": " + e.getMessage());
            SprintException cause = sprintCause(e);
            if (cause != null) throw cause; // a bad row or model, told as such rather than as a Spark stack trace
            if (e instanceof RuntimeException r) throw r;
            throw new SprintException("the Spark job failed: " + e, e);
        } finally {
            spark.stop();
        }
    }

    static String format(String input, String format) {
        if (format != null) {
            String f = format.toLowerCase(Locale.ROOT);
            if (!f.equals("csv") && !f.equals("parquet")) throw new CliException("--format must be csv or parquet");
            return f;
        }
        String name = input.toLowerCase(Locale.ROOT).replaceAll("/+$", "");
        if (name.endsWith(".csv")) return "csv";
        if (name.endsWith(".parquet")) return "parquet";
        throw new CliException("cannot tell the format of " + input + " (name it .csv or .parquet, or pass --format)");
    }

    private static boolean isLocalPath(String p) {
        try {
            String scheme = new URI(p).getScheme();
            return scheme == null || scheme.equals("file");
        } catch (java.net.URISyntaxException e) {
            return true;
        }
    }

    /** The first Sprint exception in a cause chain (a task's failure arrives wrapped in Spark's exceptions). */
    static SprintException sprintCause(Throwable t) {
        for (Throwable c = t; c != null && c != c.getCause(); c = c.getCause()) {
            if (c instanceof SprintException s) return s;
        }
        return null;
    }

    /** Spark logs every task at INFO; with the CLI's slf4j-simple keep Spark at WARN unless the user set levels. */
    private static void quietSparkLogging() {
        for (String pkg : new String[] {"org.apache.spark", "org.sparkproject", "org.apache.parquet"}) {
            String key = "org.slf4j.simpleLogger.log." + pkg;
            if (System.getProperty(key) == null) System.setProperty(key, "warn");
        }
        String hadoop = "org.slf4j.simpleLogger.log.org.apache.hadoop";
        if (System.getProperty(hadoop) == null) System.setProperty(hadoop, "error"); // "no native-hadoop library"
    }
}
