package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.core.testing.Golden;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code ./sprint soak}: N generations on one pipeline, a resource line every K, and the growth. */
class SoakCommandTest {
    @Test
    void reportsResourcesEveryKGenerationsAndTheGrowth() {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        int code = SprintCli.run(new String[] {"soak", "--model", Golden.sana().resolve("model").toString(), "--backend", "djl",
                "--count", "4", "--every", "2", "--width", "32", "--height", "32"}, new PrintStream(o, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
        assertEquals(0, code);
        String out = o.toString(StandardCharsets.UTF_8);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("2 ")), out);
        assertTrue(out.lines().anyMatch(l -> l.trim().startsWith("4 ")), out);
        assertTrue(out.contains("growth from 2 to 4 images: rss"), out);
        assertTrue(SoakCommand.openFds() > 0 && SoakCommand.rssMb() > 0, "reads /proc on Linux");
    }
}
