package dev.sprint.core.io;

import dev.sprint.api.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Finds the weights of one component folder ({@code transformer/}, {@code text_encoder/}, ...), in this
 * order: {@code diffusion_pytorch_model.safetensors}, {@code model.safetensors}, a sharded set through
 * {@code diffusion_pytorch_model.safetensors.index.json} / {@code model.safetensors.index.json}, and
 * finally, when the folder holds exactly one {@code *.safetensors} file (e.g. a variant such as
 * {@code diffusion_pytorch_model.fp16.safetensors}) or exactly one {@code *.safetensors.index.json},
 * that one. PyTorch {@code .bin} / pickle checkpoints are not read: unpickling can run arbitrary code.
 */
public final class Checkpoints {
    /** Single-file names, diffusers first. */
    public static final List<String> SINGLE_FILES = List.of("diffusion_pytorch_model.safetensors", "model.safetensors");
    /** Index names of sharded checkpoints, diffusers first. */
    public static final List<String> INDEX_FILES =
            List.of("diffusion_pytorch_model.safetensors.index.json", "model.safetensors.index.json");

    private Checkpoints() {}

    /** Opens the checkpoint of a component folder; a {@link ModelLoadException} naming the folder if there is none. */
    public static WeightSource open(Path componentDir) {
        if (!Files.isDirectory(componentDir)) {
            throw new ModelLoadException("checkpoint folder " + componentDir + " does not exist");
        }
        for (String name : SINGLE_FILES) {
            Path p = componentDir.resolve(name);
            if (Files.isRegularFile(p)) return SafetensorsFile.open(p);
        }
        for (String name : INDEX_FILES) {
            Path p = componentDir.resolve(name);
            if (Files.isRegularFile(p)) return ShardedCheckpoint.open(p);
        }
        List<String> files = list(componentDir);
        List<String> indexes = files.stream().filter(f -> f.endsWith(".safetensors.index.json")).toList();
        List<String> singles = files.stream().filter(f -> f.endsWith(".safetensors")).toList();
        if (indexes.size() == 1) return ShardedCheckpoint.open(componentDir.resolve(indexes.get(0)));
        if (indexes.isEmpty() && singles.size() == 1) return SafetensorsFile.open(componentDir.resolve(singles.get(0)));
        if (indexes.size() > 1 || singles.size() > 1) {
            throw new ModelLoadException("cannot tell which checkpoint to load in " + componentDir + ": it holds "
                    + Stream.concat(indexes.stream(), singles.stream()).collect(Collectors.joining(", "))
                    + " but none of " + SINGLE_FILES + " / " + INDEX_FILES);
        }
        List<String> pickles = files.stream()
                .filter(f -> f.endsWith(".bin") || f.endsWith(".pt") || f.endsWith(".pth") || f.endsWith(".ckpt"))
                .toList();
        throw new ModelLoadException("no safetensors checkpoint in " + componentDir + " (expected "
                + String.join(" or ", SINGLE_FILES) + ", or a sharded set with " + String.join(" / ", INDEX_FILES)
                + ")" + (pickles.isEmpty() ? "" : "; it holds " + String.join(", ", pickles))
                + ". PyTorch .bin / pickle checkpoints are not supported (loading them can run code);"
                + " convert them to safetensors or download the model's safetensors files");
    }

    private static List<String> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
        } catch (IOException e) {
            throw new ModelLoadException("cannot list checkpoint folder " + dir + ": " + e.getMessage(), e);
        }
    }
}
