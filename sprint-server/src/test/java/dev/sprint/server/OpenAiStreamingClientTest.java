package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.OpenAIException;
import com.openai.models.images.ImageGenCompletedEvent;
import com.openai.models.images.ImageGenPartialImageEvent;
import com.openai.models.images.ImageGenStreamEvent;
import com.openai.models.images.ImageGenerateParams;
import dev.sprint.core.image.ImageProcessing;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The official OpenAI Java client's {@code images().generateStreaming(...)} against the server on the tiny model. */
class OpenAiStreamingClientTest extends OnTinyServer {
    private OpenAIClient client;

    private OpenAIClient client() {
        if (client == null) {
            client = OpenAIOkHttpClient.builder().baseUrl(tiny.server.url() + "/v1").apiKey("not-needed")
                    .timeout(Duration.ofMinutes(2)).maxRetries(0).build();
        }
        return client;
    }

    @AfterAll
    void closeClient() {
        if (client != null) client.close();
    }

    private static BufferedImage decode(String b64) throws IOException {
        return ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(b64)));
    }

    private static ImageGenerateParams.Builder params(String prompt, long partials) {
        return ImageGenerateParams.builder().prompt(prompt).model(TinyServer.MODEL).size("64x64").partialImages(partials)
                .putAdditionalBodyProperty("seed", com.openai.core.JsonValue.from(7))
                .putAdditionalBodyProperty("steps", com.openai.core.JsonValue.from(4));
    }

    @Test
    void partialImagesThenTheCompletedImage() throws IOException {
        List<ImageGenStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ImageGenStreamEvent> stream = client().images().generateStreaming(params("a lighthouse", 2).build())) {
            stream.stream().forEach(events::add);
        }
        assertEquals(3, events.size(), events.toString());
        for (int i = 0; i < 2; i++) {
            assertTrue(events.get(i).isGenerationPartialImage(), events.get(i).toString());
            ImageGenPartialImageEvent p = events.get(i).asGenerationPartialImage();
            assertEquals(i, p.partialImageIndex());
            assertEquals("64x64", p.size().asString());
            assertEquals("png", p.outputFormat().asString());
            assertTrue(p.createdAt() > 1_700_000_000L);
            assertEquals(64, decode(p.b64Json()).getWidth());
        }
        assertTrue(events.get(2).isGenerationCompleted());
        ImageGenCompletedEvent done = events.get(2).asGenerationCompleted();
        BufferedImage image = decode(done.b64Json());
        // the completed image is the library's image for the same seed
        byte[] expected = tiny.pipeline.generate(TinyServer.DEFAULTS.toBuilder().prompt("a lighthouse").size(64, 64).seed(7)
                .steps(4).build()).image().rgb();
        assertArrayEquals(expected, ImageProcessing.rgb8(image));
        // partial images are earlier estimates, not the final image
        assertFalse(java.util.Arrays.equals(expected, ImageProcessing.rgb8(decode(events.get(0).asGenerationPartialImage().b64Json()))));
    }

    @Test
    void noPartialImagesAskedGivesTheCompletedImageOnly() {
        List<ImageGenStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ImageGenStreamEvent> stream = client().images().generateStreaming(params("a boat", 0).build())) {
            stream.stream().forEach(events::add);
        }
        assertEquals(1, events.size());
        assertTrue(events.get(0).isGenerationCompleted());
    }

    @Test
    void aBadRequestIsAnErrorBeforeAnyEvent() {
        OpenAIException e = assertThrows(OpenAIException.class, () -> {
            try (StreamResponse<ImageGenStreamEvent> stream = client().images().generateStreaming(params("a", 4).build())) {
                stream.stream().forEach(x -> { });
            }
        });
        assertTrue(e.getMessage().contains("partial_images"), e.getMessage());
    }
}
