package dev.sprint.langchain4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.image.Image;
import dev.langchain4j.model.image.ImageModel;
import dev.langchain4j.model.output.Response;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.Provenance;
import dev.sprint.api.SprintException;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.testing.GoldenPipeline;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The LangChain4j model against the plain {@link Pipeline} on the tiny golden SANA-Sprint model (random weights,
 * real layout), DJL backend: the same settings must give the same image bytes.
 */
class SprintImageModelTest {
    private static final int W = 96;
    private static final int H = 64;

    @RegisterExtension
    static final GoldenPipeline PLAIN = new GoldenPipeline("djl");

    /** The request the LangChain4j builder below stands for. */
    private static GenerationRequest.Builder same(String prompt) {
        return GenerationRequest.builder().prompt(prompt).steps(2).seed(42).size(W, H).resolutionBinning(false);
    }

    private static SprintImageModel.Builder builder() {
        return SprintImageModel.builder().steps(2).seed(42).width(W).height(H).resolutionBinning(false);
    }

    private static byte[] png(Image image) {
        assertEquals("image/png", image.mimeType());
        return Base64.getDecoder().decode(image.base64Data());
    }

    private static byte[] rgb(byte[] png) throws IOException {
        return ImageProcessing.rgb8(ImageIO.read(new ByteArrayInputStream(png)));
    }

    @Test
    void generateEqualsThePlainPipelineAndReportsMetadata() throws IOException {
        GeneratedImage expected = PLAIN.pipeline().generate(same("a red fox in the snow").build()).image();
        try (SprintImageModel m = builder().model(PLAIN.model()).backend("djl").device("cpu").build()) {
            ImageModel lc = m; // used through LangChain4j's interface, as an application would
            Response<Image> r = lc.generate("a red fox in the snow");
            byte[] png = png(r.content());
            assertArrayEquals(expected.rgb(), rgb(png), "pixels differ from the plain pipeline's");
            assertArrayEquals(expected.toPng(), png, "PNG (pixels + provenance chunks) differs");
            Map<String, Object> meta = r.metadata();
            assertEquals(42L, meta.get(SprintImageModel.SEED));
            assertEquals(2, meta.get(SprintImageModel.STEPS));
            assertEquals(W, meta.get(SprintImageModel.WIDTH));
            assertEquals(H, meta.get(SprintImageModel.HEIGHT));
            Map<?, ?> timings = assertInstanceOf(Map.class, meta.get(SprintImageModel.TIMINGS_MS));
            assertTrue(timings.containsKey("total"), "timings " + timings);
            Provenance p = assertInstanceOf(Provenance.class, meta.get(SprintImageModel.PROVENANCE));
            assertEquals(expected.provenance(), p);
            assertEquals("SanaSprintPipeline", p.pipeline());
        }
    }

    @Test
    void generateNEqualsImagesPerPrompt() throws IOException {
        GenerationResult expected = PLAIN.pipeline().generate(same("a lighthouse at dusk").imagesPerPrompt(2).build());
        SprintImageModel m = builder().pipeline(PLAIN.pipeline()).build();
        Response<List<Image>> r = m.generate("a lighthouse at dusk", 2);
        assertEquals(2, r.content().size());
        for (int i = 0; i < 2; i++) {
            assertArrayEquals(expected.images().get(i).rgb(), rgb(png(r.content().get(i))), "image " + i);
        }
        assertFalse(java.util.Arrays.equals(rgb(png(r.content().get(0))), rgb(png(r.content().get(1)))),
                "the two images of one call must differ (different noise)");
        List<?> prov = assertInstanceOf(List.class, r.metadata().get(SprintImageModel.PROVENANCE));
        assertEquals(expected.images().get(1).provenance(), prov.get(1));
        assertThrows(InvalidRequestException.class, () -> m.generate("x", 0));
    }

    @Test
    void editIsImg2ImgWithTheBuildersStrength() throws IOException {
        BufferedImage input = gradient(W, H);
        GeneratedImage expected = PLAIN.pipeline().generate(same("a watercolor fox").image(input).strength(0.5).build()).image();
        SprintImageModel m = builder().strength(0.5).pipeline(PLAIN.pipeline()).build();
        Image in = Image.builder().base64Data(Base64.getEncoder().encodeToString(pngOf(input))).mimeType("image/png").build();
        Response<Image> r = m.edit(in, "a watercolor fox");
        assertArrayEquals(expected.rgb(), rgb(png(r.content())));
        assertEquals("0.5", ((Provenance) r.metadata().get(SprintImageModel.PROVENANCE)).extras().get("strength"));
        GeneratedImage text2img = PLAIN.pipeline().generate(same("a watercolor fox").build()).image();
        assertFalse(java.util.Arrays.equals(text2img.rgb(), expected.rgb()), "img2img must depend on the input image");
    }

    @Test
    void editWithoutASizeKeepsTheInputSizeAndReadsFileAndDataUrls(@TempDir Path tmp) throws IOException {
        BufferedImage input = gradient(64, 96);
        Path file = tmp.resolve("in.png");
        Files.write(file, pngOf(input));
        GeneratedImage expected = PLAIN.pipeline().generate(GenerationRequest.builder().prompt("a cat").steps(2).seed(7)
                .size(64, 96).resolutionBinning(false).image(input).build()).image();
        SprintImageModel m = SprintImageModel.builder().pipeline(PLAIN.pipeline()).steps(2).seed(7).resolutionBinning(false).build();
        Response<Image> fromFile = m.edit(Image.builder().url(file.toUri()).build(), "a cat");
        assertArrayEquals(expected.rgb(), rgb(png(fromFile.content())));
        assertEquals(64, fromFile.metadata().get(SprintImageModel.WIDTH));
        assertEquals(96, fromFile.metadata().get(SprintImageModel.HEIGHT));
        String data = "data:image/png;base64," + Base64.getEncoder().encodeToString(pngOf(input));
        Response<Image> fromData = m.edit(Image.builder().url(data).build(), "a cat");
        assertArrayEquals(expected.rgb(), rgb(png(fromData.content())));
    }

    @Test
    void withoutASeedEachCallDrawsOneAndReportsIt() throws IOException {
        SprintImageModel m = SprintImageModel.builder().pipeline(PLAIN.pipeline()).steps(1).width(W).height(H)
                .resolutionBinning(false).build();
        Response<Image> a = m.generate("a bowl of ramen");
        Response<Image> b = m.generate("a bowl of ramen");
        long seedA = (Long) a.metadata().get(SprintImageModel.SEED);
        assertNotEquals(seedA, b.metadata().get(SprintImageModel.SEED));
        GeneratedImage again = PLAIN.pipeline().generate(GenerationRequest.builder().prompt("a bowl of ramen").steps(1).seed(seedA)
                .size(W, H).resolutionBinning(false).build()).image();
        assertArrayEquals(again.rgb(), rgb(png(a.content())), "the reported seed reproduces the image");
    }

    @Test
    void maskedEditAndBadInputsAreClearErrors() {
        SprintImageModel m = builder().pipeline(PLAIN.pipeline()).build();
        Image some = Image.builder().base64Data(Base64.getEncoder().encodeToString(pngOf(gradient(W, H)))).build();
        InvalidRequestException masked = assertThrows(InvalidRequestException.class, () -> m.edit(some, some, "x"));
        assertTrue(masked.getMessage().contains("masked edit"), masked.getMessage());
        assertThrows(InvalidRequestException.class, () -> m.generate((String) null));
        String remote = assertThrows(InvalidRequestException.class,
                () -> m.edit(Image.builder().url("https://example.com/cat.png").build(), "x")).getMessage();
        assertTrue(remote.contains("does not download"), remote);
        assertThrows(InvalidRequestException.class, () -> m.edit(Image.builder().base64Data("%%%not base64").build(), "x"));
        assertThrows(InvalidRequestException.class,
                () -> m.edit(Image.builder().base64Data(Base64.getEncoder().encodeToString(new byte[] {1, 2, 3})).build(), "x"));
        assertThrows(InvalidRequestException.class, () -> m.edit(Image.builder().mimeType("image/png").build(), "x"));
        // a bad size reaches the pipeline's own validation, which leaves it usable
        SprintImageModel odd = SprintImageModel.builder().pipeline(PLAIN.pipeline()).width(50).height(50).resolutionBinning(false)
                .build();
        assertThrows(InvalidRequestException.class, () -> odd.generate("x"));
        assertThrows(InvalidRequestException.class, () -> SprintImageModel.builder().width(64).build());
        assertThrows(InvalidRequestException.class, () -> SprintImageModel.builder().strength(1.5).build());
        assertThrows(InvalidRequestException.class, () -> SprintImageModel.builder().pipeline(PLAIN.pipeline()).model("x").build());
        assertEquals(W, builder().pipeline(PLAIN.pipeline()).build().generate("still usable").metadata().get(SprintImageModel.WIDTH));
    }

    @Test
    void closeClosesOnlyAnOwnedPipeline(@TempDir Path tmp) {
        SprintImageModel shared = builder().pipeline(PLAIN.pipeline()).build();
        shared.close();
        assertThrows(InvalidRequestException.class, () -> shared.generate("x"));
        // the shared pipeline is still open
        assertEquals(W, PLAIN.pipeline().generate(same("x").build()).image().width());

        SprintImageModel owned = builder().model(PLAIN.model()).backend("djl").device("cpu").build();
        Pipeline p = owned.pipeline();
        owned.close();
        owned.close(); // idempotent
        RuntimeException closed = assertThrows(RuntimeException.class, () -> p.generate(same("x").build()));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());

        SprintException missing = assertThrows(SprintException.class,
                () -> SprintImageModel.builder().model(tmp.resolve("nothing-here")).build());
        assertTrue(missing.getMessage().contains("nothing-here"), missing.getMessage());
    }

    private static BufferedImage gradient(int w, int h) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | ((x + y) % 256));
        }
        return img;
    }

    private static byte[] pngOf(BufferedImage img) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(img, "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
