package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/** {@code ./sprint serve} option handling (the server itself is tested in sprint-server). */
class ServeCommandTest {
    private static int run(String... argv) {
        return SprintCli.run(argv, new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
    }

    @Test
    void helpListsTheServeOptions() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertEquals(0, SprintCli.run(new String[] {"serve", "--help"}, new PrintStream(out), System.err));
        String text = out.toString();
        for (String o : new String[] {"--model", "--port", "--host", "--max-batch", "--batch-window-ms", "--queue", "--bench", "--clients", "--lora"}) {
            assertTrue(text.contains(o), "usage mentions " + o);
        }
        ByteArrayOutputStream top = new ByteArrayOutputStream();
        SprintCli.run(new String[] {"--help"}, new PrintStream(top), System.err);
        assertTrue(top.toString().contains("serve "), "./sprint --help lists serve");
    }

    @Test
    void badOptionsAreClearErrorsBeforeAnythingStarts() {
        assertTrue(assertThrows(CliException.class, () -> run("serve")).getMessage().contains("--model"));
        assertTrue(assertThrows(CliException.class, () -> run("serve", "--model", "m", "--max-batch", "0")).getMessage().contains("--max-batch"));
        assertTrue(assertThrows(CliException.class, () -> run("serve", "--model", "m", "--queue", "many")).getMessage().contains("--queue"));
        assertTrue(assertThrows(CliException.class, () -> run("serve", "--model", "m", "--warmup-size", "64")).getMessage().contains("WIDTHxHEIGHT"));
        assertTrue(assertThrows(CliException.class, () -> run("serve", "--model", "m", "--prot", "80")).getMessage().contains("--prot"));
        assertTrue(assertThrows(CliException.class, () -> run("serve", "--bench", "--model", "m", "--clients", "1,x")).getMessage().contains("--clients"));
        assertTrue(assertThrows(CliException.class, () -> run("serve", "--model", "m", "--lora", "x:")).getMessage().contains("--lora"));
    }

    @Test
    void theModelNameIsTheFolderNameOrTheRepoId() {
        assertEquals("model", ServeCommand.modelName(new Args(new String[0], java.util.Set.of()), "../golden/sana-sprint/model"));
        assertEquals("org/name", ServeCommand.modelName(new Args(new String[0], java.util.Set.of()), "org/name"));
        assertEquals("mine", ServeCommand.modelName(new Args(new String[] {"--model-name", "mine"}, java.util.Set.of()), "org/name"));
    }
}
