package dev.sprint.examples;

import dev.sprint.api.CancellationToken;
import dev.sprint.core.hub.HubDownloader;
import dev.sprint.core.hub.HubSnapshot;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * {@code ./sprint download REPO_ID}: fills the shared Hugging Face cache with what Sprint needs from a repo
 * (or the files {@code --include} names) and prints the snapshot folder on stdout; progress goes to stderr.
 */
final class DownloadCommand {
    static final String USAGE = """
            Usage: ./sprint download REPO_ID[@REVISION] [--revision REV] [--include GLOB ...] [--parallel N]

            Downloads a Hugging Face Hub repo into the Hugging Face cache (the one Python's huggingface_hub uses:
            HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub) and prints the snapshot folder.
            Without --include it fetches what a Sprint pipeline loads: model_index.json and, per component, configs,
            tokenizer files and safetensors weights (sharded ones through their index); an adapter repo's
            adapter_config.json + adapter_model.safetensors; a model repo's config.json + weights. Files already
            cached are reused; an interrupted download resumes where it stopped.

            Options:
              --revision REV   branch, tag or commit (default main; or REPO_ID@REV)
              --include GLOB   only the repo files matching GLOB (fnmatch: * crosses folders, DIR/ = a whole
                               folder); repeat for several
              --parallel N     files transferred at once (default 4)

            Environment: HF_TOKEN (or HF_HOME/token, written by `huggingface-cli login`) for gated or private repos,
            HF_ENDPOINT for a mirror, HF_HUB_OFFLINE=1 to use only the cache. Ctrl-C stops; run again to resume.
            The token goes to the HF_ENDPOINT host only, and only over https unless HF_HUB_ALLOW_INSECURE_TOKEN=1
            (docs/download-security.md).
            """;

    private DownloadCommand() {}

    static int run(String[] argv, PrintStream out, PrintStream err) {
        CancellationToken token = new CancellationToken();
        CountDownLatch finished = new CountDownLatch(1);
        // Ctrl-C: stop the transfers and let them close their partial files, which the next run resumes
        Thread hook = new Thread(() -> {
            token.cancel();
            try {
                finished.await(3, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "sprint-download-cancel");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return run(argv, out, err, System::getenv, Path.of(System.getProperty("user.home")),
                    System.console() != null, token);
        } finally {
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down
            }
        }
    }

    static int run(String[] argv, PrintStream out, PrintStream err, Function<String, String> env, Path home, boolean terminal,
            CancellationToken token) {
        if (argv.length == 0 || Set.of("--help", "-h", "help").contains(argv[0])) {
            out.print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        String repo = argv[0];
        if (repo.startsWith("--")) throw new CliException("the repo id comes first: ./sprint download REPO_ID [options]");
        Args a = new Args(java.util.Arrays.copyOfRange(argv, 1, argv.length), Set.of());
        String revision = a.get("revision");
        List<String> include = a.all("include");
        Integer parallel = a.getInt("parallel");
        a.rejectUnknown();
        if (revision != null) {
            if (repo.contains("@")) throw new CliException("give the revision once: either " + repo + " or --revision " + revision);
            repo = repo + "@" + revision;
        }
        for (String g : include) {
            if (g.isEmpty()) throw new CliException("--include needs a pattern, e.g. --include 'transformer/*'");
        }
        int columns = 100;
        String cols = env.apply("COLUMNS");
        if (cols != null && cols.matches("\\d{2,4}")) columns = Integer.parseInt(cols);
        HubDownloader.Builder b = HubDownloader.builder(env, home)
                .listener(new DownloadProgressPrinter(err, terminal, columns, System::nanoTime))
                .cancellation(token);
        if (parallel != null) {
            if (parallel < 1 || parallel > 64) throw new CliException("--parallel must be in 1..64");
            b.parallelDownloads(parallel);
        }
        HubDownloader hub = b.build();
        if (hub.offline()) err.println("offline mode (HF_HUB_OFFLINE): only the local cache is used");
        HubSnapshot s = hub.download(repo, include);
        out.println(s.folder());
        return 0;
    }
}
