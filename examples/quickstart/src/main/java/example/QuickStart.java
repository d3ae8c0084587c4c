package example;

import dev.sprint.api.Pipeline;
import java.nio.file.Path;

/** The README's quick start: load a SANA-Sprint checkpoint, make one image in two steps, write it as PNG. */
public final class QuickStart {
    public static void main(String[] args) {
        String model = args.length > 0 ? args[0] : Pipeline.DEFAULT_MODEL; // a folder, or a repo id (downloaded on first use)
        Path output = Path.of(args.length > 1 ? args[1] : "fox.png");

        try (Pipeline p = Pipeline.builder().model(model).steps(2).build()) {
            p.generate("a red fox in the snow, watercolor").writePng(output);
        }
        System.out.println("wrote " + output.toAbsolutePath());
    }
}
