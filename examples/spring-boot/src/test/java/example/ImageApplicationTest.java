package example;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;

/**
 * The service over HTTP. The model comes from {@code -Dspring.ai.sprint.image.model=...} (the build passes the
 * tiny bundled test model); its default 1024² is rendered at 256² without binning to keep the test short.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.ai.sprint.image.options.width=256",
        "spring.ai.sprint.image.options.height=256",
        "spring.ai.sprint.image.options.resolution-binning=false"})
class ImageApplicationTest {
    @Autowired
    TestRestTemplate http;

    @Test
    void getImagesReturnsAPngAndTheSameSeedTheSameImage() throws IOException {
        ResponseEntity<byte[]> a = http.getForEntity("/images?prompt={p}&seed=42", byte[].class, "a red fox in the snow");
        assertEquals(HttpStatus.OK, a.getStatusCode());
        assertEquals(MediaType.IMAGE_PNG, a.getHeaders().getContentType());
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(a.getBody()));
        assertNotNull(img, "not a PNG");
        assertEquals(256, img.getWidth());
        ResponseEntity<byte[]> b = http.getForEntity("/images?prompt={p}&seed=42", byte[].class, "a red fox in the snow");
        assertArrayEquals(a.getBody(), b.getBody());
    }
}
