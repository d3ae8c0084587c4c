package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import dev.sprint.core.testing.Golden;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code ./sprint bench} on the tiny bundled model: the batch option and its per-image figures. */
class BenchCommandTest {
    private static final List<String> TINY = List.of("bench", "--model", Golden.sana().resolve("model").toString(), "--backend", "djl",
            "--width", "160", "--height", "96", "--no-binning", "--steps", "1", "--runs", "1", "--no-matmul-rate");

    @Test
    void aBatchOfDistinctPromptsReportsPerImageTimes() {
        String out = CliRun.ok(TINY, "--batch", "3");
        assertTrue(out.contains("batch of 3"), out);
        Matcher total = Pattern.compile("steady state \\(median ms\\):.* total=([0-9.]+)").matcher(out);
        Matcher perImage = Pattern.compile("per image \\(batch of 3, median ms\\):.* total=([0-9.]+)").matcher(out);
        assertTrue(total.find() && perImage.find(), out);
        assertEquals(Double.parseDouble(total.group(1)) / 3, Double.parseDouble(perImage.group(1)), 0.1, out);
        Matcher rate = Pattern.compile("images/s: ([0-9.]+)").matcher(out);
        assertTrue(rate.find(), out);
        double expected = 3 * 1000 / Double.parseDouble(total.group(1));
        assertEquals(expected, Double.parseDouble(rate.group(1)), expected * 1e-3 + 1e-4, "three images per call");
    }

    @Test
    void badBatchesAreRefused() {
        assertThrows(CliException.class, () -> run("--batch", "0"));
        assertThrows(CliException.class, () -> run("--batch", "2", "--prompt", "a fox"));
    }

    private static int run(String... more) {
        String[] args = java.util.stream.Stream.concat(TINY.stream(), java.util.Arrays.stream(more)).toArray(String[]::new);
        return SprintCli.run(args, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
    }
}
