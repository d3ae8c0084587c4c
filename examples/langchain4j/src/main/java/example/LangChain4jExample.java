package example;

import dev.langchain4j.data.image.Image;
import dev.langchain4j.model.image.ImageModel;
import dev.langchain4j.model.output.Response;
import dev.sprint.langchain4j.SprintImageModel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;

/**
 * Sprint behind LangChain4j's {@link ImageModel}: text-to-image, several images per prompt, and img2img
 * ({@code edit}) of the first image. Arguments: model folder or repo id, output folder, optional image size.
 */
public final class LangChain4jExample {
    public static void main(String[] args) throws IOException {
        String model = args.length > 0 ? args[0] : "Efficient-Large-Model/Sana_Sprint_0.6B_1024px_diffusers";
        Path out = Files.createDirectories(Path.of(args.length > 1 ? args[1] : "out"));
        int size = args.length > 2 ? Integer.parseInt(args[2]) : 1024;

        try (SprintImageModel sprint = SprintImageModel.builder()
                .model(model)
                .steps(2)
                .seed(42)
                .width(size).height(size)
                .strength(0.6)          // for edit(...)
                .build()) {
            ImageModel images = sprint; // the rest of the application only knows LangChain4j's interface

            Response<Image> fox = images.generate("a red fox in the snow, watercolor");
            write(fox.content(), out.resolve("fox.png"));
            System.out.println("fox.png  seed " + fox.metadata().get(SprintImageModel.SEED)
                    + ", " + fox.metadata().get(SprintImageModel.TIMINGS_MS));

            Response<List<Image>> two = images.generate("a lighthouse at dusk", 2);
            for (int i = 0; i < two.content().size(); i++) write(two.content().get(i), out.resolve("lighthouse-" + i + ".png"));
            System.out.println("lighthouse-0.png, lighthouse-1.png");

            Response<Image> edited = images.edit(fox.content(), "a red fox in the snow, oil painting");
            write(edited.content(), out.resolve("fox-edited.png"));
            System.out.println("fox-edited.png  (img2img of fox.png, strength 0.6)");
        }
    }

    private static void write(Image image, Path file) throws IOException {
        Files.write(file, Base64.getDecoder().decode(image.base64Data()));
    }
}
