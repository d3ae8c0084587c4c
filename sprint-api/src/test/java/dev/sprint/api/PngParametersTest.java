package dev.sprint.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Node;

/** The {@code parameters} text chunk, read back from the PNG bytes with ImageIO as another tool would. */
class PngParametersTest {

    private static GeneratedImage image(Provenance p) {
        byte[] rgb = new byte[4 * 3 * 3];
        for (int i = 0; i < rgb.length; i++) rgb[i] = (byte) (i * 7);
        return new GeneratedImage(4, 3, rgb, p);
    }

    /** keyword → text of every tEXt / iTXt chunk of a PNG, read through ImageIO's native PNG metadata tree. */
    private static Map<String, String> textChunks(byte[] png) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(png))) {
            ImageReader reader = ImageIO.getImageReaders(in).next();
            reader.setInput(in);
            IIOMetadata meta = reader.getImageMetadata(0);
            Node root = meta.getAsTree("javax_imageio_png_1.0");
            for (Node n = root.getFirstChild(); n != null; n = n.getNextSibling()) {
                for (Node e = n.getFirstChild(); e != null; e = e.getNextSibling()) {
                    if (e.getNodeName().equals("tEXtEntry")) {
                        out.put(attr(e, "keyword"), attr(e, "value"));
                    } else if (e.getNodeName().equals("iTXtEntry")) {
                        out.put(attr(e, "keyword"), attr(e, "text"));
                    }
                }
            }
            reader.dispose();
        }
        return out;
    }

    private static String attr(Node n, String name) {
        return n.getAttributes().getNamedItem(name).getNodeValue();
    }

    /** Provenance extras from key, value pairs, in order. */
    private static Map<String, String> extras(String... keyValues) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) m.put(keyValues[i], keyValues[i + 1]);
        return m;
    }

    @Test
    void sanaSprintImageCarriesA1111Parameters() throws IOException {
        Map<String, String> extras = extras("guidance", "4.5", "timesteps", "[1.5708, 1.3, 0.0]", "image_index", "0");
        Provenance p = new Provenance("/models/Sana_Sprint_0.6B_1024px_diffusers/", "SanaSprintPipeline", "djl (cpu)",
                "a red fox in the snow, watercolor", 42, 2, 1024, 768, extras);
        Map<String, String> text = textChunks(image(p).toPng());
        assertEquals("a red fox in the snow, watercolor\n"
                        + "Steps: 2, Sampler: TrigFlow sCM, Guidance: 4.5, Seed: 42, Size: 1024x768, "
                        + "Model: Sana_Sprint_0.6B_1024px_diffusers, Backend: djl (cpu)",
                text.get("parameters"));
        // the sprint:* chunks are still there
        assertEquals("42", text.get("sprint:seed"));
        assertEquals("1024x768", text.get("sprint:size"));
    }

    @Test
    void negativePromptLineQuotedValuesAndBatchIndex() throws IOException {
        Map<String, String> extras = extras("sampler", "swd", "guidance", "1.5", "negative_prompt", "blurry, low quality", "image_index", "3");
        Provenance p = new Provenance("stabilityai/stable-diffusion-3.5-medium", "StableDiffusion3Pipeline",
                "onnx (cuda:0)", "a cat\nin a spacesuit", 7, 6, 512, 512, extras);
        assertEquals("a cat\nin a spacesuit\n"
                        + "Negative prompt: blurry, low quality\n"
                        + "Steps: 6, Sampler: SwD (scale-wise), CFG scale: 1.5, Seed: 7, Size: 512x512, "
                        + "Model: stable-diffusion-3.5-medium, Image index: 3, Backend: \"onnx (cuda:0)\"",
                textChunks(image(p).toPng()).get("parameters"));
    }

    @Test
    void perImageSeedImg2ImgAndQuoting() {
        Map<String, String> extras = extras("guidance", "4.5", "image_index", "1", "image_seed", "1234", "strength", "0.6");
        Provenance p = new Provenance("C:\\models\\my, \"odd\" model", "SanaSprintPipeline", null, "", 99, 1, 64, 32,
                extras);
        // empty prompt: the text starts with the settings line, as the reference layout strips it
        assertEquals("Steps: 1, Sampler: TrigFlow sCM, Guidance: 4.5, Seed: 1234, Size: 64x32, "
                + "Model: \"my, \\\"odd\\\" model\", Denoising strength: 0.6", p.parameters());
    }

    @Test
    void nonLatin1PromptIsKeptInAnItxtChunk() throws IOException {
        Provenance p = new Provenance("m", "SanaControlNetPipeline", "djl (cpu)", "富士山と桜 🌸", 5, 20, 64, 64,
                Map.of("guidance", "4.5", "negative_prompt", ""));
        Map<String, String> text = textChunks(image(p).toPng());
        assertEquals("富士山と桜 🌸\nSteps: 20, Sampler: Euler (flow matching), CFG scale: 4.5, Seed: 5, Size: 64x64, "
                + "Model: m, Backend: djl (cpu)", text.get("parameters"));
        // the Latin-1 sprint:prompt chunk replaces what it cannot hold
        assertNotNull(text.get("sprint:prompt"));
        assertNull(text.get("Negative prompt"));
    }
}
