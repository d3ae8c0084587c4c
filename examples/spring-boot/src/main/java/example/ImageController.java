package example;

import java.util.Base64;
import org.springframework.ai.image.ImageGeneration;
import org.springframework.ai.image.ImageModel;
import org.springframework.ai.image.ImagePrompt;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /images?prompt=...[&seed=...]} → image/png. Only Spring AI types: the model is chosen by configuration. */
@RestController
public class ImageController {
    private final ImageModel imageModel;

    public ImageController(ImageModel imageModel) {
        this.imageModel = imageModel;
    }

    @GetMapping(value = "/images", produces = MediaType.IMAGE_PNG_VALUE)
    public ResponseEntity<byte[]> image(@RequestParam String prompt, @RequestParam(required = false) Long seed) {
        ImagePrompt request = seed == null ? new ImagePrompt(prompt)
                : new ImagePrompt(prompt, dev.sprint.springai.SprintImageOptions.builder().seed(seed).build());
        ImageGeneration g = imageModel.call(request).getResult();
        byte[] png = Base64.getDecoder().decode(g.getOutput().getB64Json());
        return ResponseEntity.ok().header("X-Image-Metadata", String.valueOf(g.getMetadata())).body(png);
    }
}
