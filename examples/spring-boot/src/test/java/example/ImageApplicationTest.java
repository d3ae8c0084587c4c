package example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The service over HTTP, called as any client would. The model comes from {@code -Dspring.ai.sprint.image.model=...}
 * (the build passes the tiny bundled test model), rendered at 256² without binning to keep the test short.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.ai.sprint.image.options.width=256",
        "spring.ai.sprint.image.options.height=256",
        "spring.ai.sprint.image.options.resolution-binning=false"})
class ImageApplicationTest {
    @Value("${local.server.port}")
    int port;

    private HttpResponse<byte[]> get(String prompt, long seed) throws IOException, InterruptedException {
        URI uri = URI.create("http://localhost:" + port + "/images?prompt="
                + URLEncoder.encode(prompt, StandardCharsets.UTF_8) + "&seed=" + seed);
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test
    void getImagesReturnsAPngAndTheSameSeedTheSameImage() throws IOException, InterruptedException {
        HttpResponse<byte[]> a = get("a red fox in the snow", 42);
        assertEquals(200, a.statusCode());
        assertEquals("image/png", a.headers().firstValue("Content-Type").orElse(""));
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(a.body()));
        assertNotNull(img, "not a PNG");
        assertEquals(256, img.getWidth());
        assertEquals(256, img.getHeight());
        assertArrayEquals(a.body(), get("a red fox in the snow", 42).body(), "same prompt and seed, same bytes");
    }
}
