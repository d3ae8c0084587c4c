package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.data.image.Image;
import dev.langchain4j.exception.HttpException;
import dev.langchain4j.model.openai.OpenAiImageModel;
import dev.langchain4j.model.output.Response;
import dev.sprint.core.image.ImageProcessing;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** A real third-party client, LangChain4j's {@code OpenAiImageModel}, against the server on the tiny model. */
class LangChain4jClientTest extends OnTinyServer {
    private OpenAiImageModel.OpenAiImageModelBuilder client() {
        return OpenAiImageModel.builder().baseUrl(tiny.server.url() + "/v1").apiKey("not-needed").modelName(TinyServer.MODEL)
                .size("64x64").timeout(Duration.ofMinutes(2)).maxRetries(0);
    }

    private static BufferedImage decode(Image img) throws IOException {
        assertNotNull(img.base64Data(), "b64_json came back");
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(img.base64Data())));
    }

    @Test
    void generatesImagesThroughOpenAiImageModel() throws IOException {
        OpenAiImageModel model = client().build();
        Response<Image> one = model.generate("a lighthouse at dusk");
        BufferedImage img = decode(one.content());
        assertEquals(64, img.getWidth());
        assertEquals(64, img.getHeight());
        assertEquals("image/png", one.content().mimeType());
        assertEquals("a lighthouse at dusk", TinyModelServerTest.text(Base64.getDecoder().decode(one.content().base64Data()))
                .get("sprint:prompt"));

        Response<List<Image>> two = model.generate("a bowl of ramen", 2);
        assertEquals(2, two.content().size());
        assertFalse(java.util.Arrays.equals(ImageProcessing.rgb8(decode(two.content().get(0))),
                ImageProcessing.rgb8(decode(two.content().get(1)))), "two images, two seeds");
    }

    @Test
    void editsAnImageThroughOpenAiImageModel() throws IOException {
        OpenAiImageModel model = client().build();
        Image input = model.generate("an input").content();
        Image edited = model.edit(Image.builder().base64Data(input.base64Data()).mimeType("image/png").build(), "make it red").content();
        BufferedImage img = decode(edited);
        assertEquals(64, img.getWidth());
        assertEquals("0.6", TinyModelServerTest.text(Base64.getDecoder().decode(edited.base64Data())).get("sprint:strength"),
                "the default img2img strength");
    }

    @Test
    void errorsReachTheClientWithTheirStatusAndOpenAiBody() {
        HttpException bad = assertThrows(HttpException.class, () -> client().size("huge").build().generate("a"));
        assertEquals(400, bad.statusCode());
        assertTrue(bad.getMessage().contains("\"param\":\"size\""), bad.getMessage());
        HttpException unknown = assertThrows(HttpException.class, () -> client().modelName("dall-e-3").build().generate("a"));
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.getMessage().contains("model_not_found"), unknown.getMessage());
    }
}
