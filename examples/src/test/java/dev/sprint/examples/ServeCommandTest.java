package dev.sprint.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.server.SprintServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
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
        for (String o : new String[] {"--model", "--port", "--host", "--max-batch", "--batch-window-ms", "--queue", "--bench", "--clients",
                "--lora", "--api-key", "--api-key-file", "--insecure-no-auth", "--allow-host", "--allow-origin", "--max-work",
                "--max-concurrent-per-key"}) {
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
    void theSecurityOptionsReachTheServer() throws Exception {
        // no key (none in the environment given either): a non-loopback --host is refused before anything starts
        SprintServer.Builder bare = SprintServer.builder().pipeline(() -> null).host("0.0.0.0").port(0);
        ServeCommand.security(new Args(new String[0], Set.of("insecure-no-auth")), bare, Map.of());
        InvalidRequestException refused = assertThrows(InvalidRequestException.class, bare::build);
        assertTrue(refused.getMessage().contains("--api-key"), refused.getMessage());
        // a key from the environment, a key file, hosts, origins and limits
        Path keys = Files.createTempFile("sprint-keys", ".txt");
        try {
            Files.writeString(keys, "# keys\nfile-key-1\n\nfile-key-2\n");
            Args a = new Args(new String[] {"--api-key-file", keys.toString(), "--allow-host", "sprint.example.com", "--allow-origin",
                    "https://app.example.com", "--max-work", "1000000", "--max-concurrent-per-key", "3", "--max-timesteps", "8",
                    "--idle-timeout-s", "20", "--header-timeout-s", "5"}, Set.of("insecure-no-auth"));
            SprintServer.Builder sb = SprintServer.builder().pipeline(() -> null).host("0.0.0.0").port(0);
            ServeCommand.security(a, sb, Map.of("SPRINT_API_KEY", "env-key"));
            a.rejectUnknown();
            sb.build().close(); // keys were given: binding every interface is allowed
            Args none = new Args(new String[] {"--insecure-no-auth"}, Set.of("insecure-no-auth"));
            SprintServer.Builder open = SprintServer.builder().pipeline(() -> null).host("0.0.0.0").port(0);
            ServeCommand.security(none, open, Map.of());
            open.build().close();
            assertThrows(CliException.class, () -> ServeCommand.security(new Args(new String[] {"--max-work", "0"}, Set.of()),
                    SprintServer.builder(), Map.of()));
            assertThrows(InvalidRequestException.class, () -> ServeCommand.security(new Args(new String[] {"--allow-origin", "app.example.com"},
                    Set.of()), SprintServer.builder(), Map.of()));
        } finally {
            Files.delete(keys);
        }
    }

    @Test
    void theModelNameIsTheFolderNameOrTheRepoId() {
        assertEquals("model", ServeCommand.modelName(new Args(new String[0], java.util.Set.of()), "../golden/sana-sprint/model"));
        assertEquals("org/name", ServeCommand.modelName(new Args(new String[0], java.util.Set.of()), "org/name"));
        assertEquals("mine", ServeCommand.modelName(new Args(new String[] {"--model-name", "mine"}, java.util.Set.of()), "org/name"));
        assertEquals("sana", ServeCommand.modelName(new Args(new String[0], java.util.Set.of()), "/models/sana"), "never the path");
    }
}
