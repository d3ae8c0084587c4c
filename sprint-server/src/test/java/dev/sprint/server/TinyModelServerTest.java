package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.core.image.ImageProcessing;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Node;

/**
 * The HTTP API end to end on the tiny golden model: the raw response field by field, and the images it carries
 * are the library's images (same pixels as {@code Pipeline.generate} with the reported seed) with their provenance.
 */
class TinyModelServerTest extends OnTinyServer {
    /** tEXt chunks of a PNG, or the COM text of a JPEG, via ImageIO metadata. */
    static Map<String, String> text(byte[] file) throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(file))) {
            ImageReader r = ImageIO.getImageReaders(in).next();
            r.setInput(in);
            IIOMetadata meta = r.getImageMetadata(0);
            String format = meta.getNativeMetadataFormatName();
            collect(meta.getAsTree(format), out);
            r.dispose();
        }
        return out;
    }

    private static void collect(Node n, Map<String, String> out) {
        if (n.getNodeName().equals("tEXtEntry")) {
            out.put(n.getAttributes().getNamedItem("keyword").getNodeValue(), n.getAttributes().getNamedItem("value").getNodeValue());
        } else if (n.getNodeName().equals("com")) {
            for (String line : n.getAttributes().getNamedItem("comment").getNodeValue().split("\n")) {
                int eq = line.indexOf('=');
                out.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) collect(c, out);
    }

    private static int maxDiff(byte[] a, byte[] b) {
        assertEquals(a.length, b.length);
        int m = 0;
        for (int i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] & 0xFF) - (b[i] & 0xFF)));
        return m;
    }

    @Test
    void generationsResponseFieldByField() throws IOException {
        String prompt = "a red fox in the snow, watercolor";
        Http.Response r = tiny.http.post("/v1/images/generations", "{\"prompt\": \"" + prompt + "\", \"n\": 2, \"size\": \"64x64\","
                + " \"response_format\": \"b64_json\", \"output_format\": \"png\", \"model\": \"" + TinyServer.MODEL + "\","
                + " \"user\": \"user-1\", \"quality\": \"auto\", \"seed\": 42, \"steps\": 2, \"guidance_scale\": 4.5,"
                + " \"timesteps\": [1.5708, 1.3, 0], \"resolution_binning\": false}");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("application/json"));
        String jobId = r.header(SprintServer.JOB_HEADER);
        assertNotNull(jobId);
        JsonObject body = r.json();
        assertEquals(Set.of("created", "data", "output_format", "size", "sprint"), body.keySet());
        long created = body.get("created").getAsLong();
        assertTrue(Math.abs(Instant.now().getEpochSecond() - created) < 120, "created is a Unix time in seconds: " + created);
        assertEquals("png", body.get("output_format").getAsString());
        assertEquals("64x64", body.get("size").getAsString());
        JsonArray data = body.getAsJsonArray("data");
        assertEquals(2, data.size());
        for (int i = 0; i < 2; i++) {
            JsonObject d = data.get(i).getAsJsonObject();
            assertEquals(Set.of("b64_json", "seed"), d.keySet());
            assertEquals(42 + i, d.get("seed").getAsLong(), "image i has seed 42 + i");
            byte[] png = Base64.getDecoder().decode(d.get("b64_json").getAsString());
            assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, java.util.Arrays.copyOf(png, 8));
            BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
            assertEquals(64, img.getWidth());
            assertEquals(64, img.getHeight());
            Map<String, String> text = text(png);
            assertEquals(prompt, text.get("sprint:prompt"));
            assertEquals("42", text.get("sprint:seed"));
            assertEquals(Integer.toString(42 + i), text.get("sprint:image_seed"));
            assertEquals(Integer.toString(i), text.get("sprint:image_index"));
            assertEquals("2", text.get("sprint:steps"));
            assertEquals("64x64", text.get("sprint:size"));
            assertEquals("SanaSprintPipeline", text.get("sprint:pipeline"));
            // the same image as the library gives for this seed alone (batched kernels: within 2 levels)
            GeneratedImage alone = tiny.pipeline.generate(GenerationRequest.builder().prompt(prompt).seed(42 + i).size(64, 64)
                    .guidanceScale(4.5).timesteps(List.of(1.5708, 1.3, 0.0)).build()).image();
            assertTrue(maxDiff(alone.rgb(), ImageProcessing.rgb8(img)) <= 2, "image " + i + " differs from Pipeline.generate with seed " + (42 + i));
        }
        JsonObject sprint = body.getAsJsonObject("sprint");
        assertEquals(jobId, sprint.get("job_id").getAsString());
        assertEquals(2, sprint.get("batch_size").getAsInt());
        assertTrue(sprint.get("queue_ms").getAsDouble() >= 0);
        JsonObject timings = sprint.getAsJsonObject("timings_ms");
        for (String k : new String[] {"text_encoder", "step_0", "step_1", "decode", "total", "queue"}) {
            assertTrue(timings.has(k), "timing " + k + " in " + timings);
        }
    }

    @Test
    void jpegCarriesTheProvenanceInItsComment() throws IOException {
        Http.Response r = tiny.http.post("/v1/images/generations",
                "{\"prompt\": \"a lighthouse\", \"size\": \"64x64\", \"seed\": 5, \"output_format\": \"jpeg\", \"output_compression\": 90}");
        assertEquals(200, r.status(), r.body());
        assertEquals("jpeg", r.json().get("output_format").getAsString());
        byte[] jpeg = Base64.getDecoder().decode(r.json().getAsJsonArray("data").get(0).getAsJsonObject().get("b64_json").getAsString());
        assertEquals((byte) 0xFF, jpeg[0]);
        assertEquals((byte) 0xD8, jpeg[1]);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(jpeg));
        assertEquals(64, img.getWidth());
        Map<String, String> text = text(jpeg);
        assertEquals("5", text.get("sprint:seed"));
        assertEquals("a lighthouse", text.get("sprint:prompt"));
    }

    @Test
    void editsRunImg2ImgOnTheUploadedImage() throws IOException {
        GeneratedImage input = tiny.pipeline.generate(GenerationRequest.builder().prompt("input").seed(1).size(96, 64).build()).image();
        Http.Response r = tiny.http.multipart("/v1/images/edits",
                Map.of("prompt", "a red fox", "strength", "0.5", "seed", "3", "steps", "2", "model", TinyServer.MODEL),
                Map.of("image", new Object[] {"in.png", "image/png", input.toPng()}));
        assertEquals(200, r.status(), r.body());
        assertEquals("96x64", r.json().get("size").getAsString(), "an edit keeps the input's size by default");
        byte[] png = Base64.getDecoder().decode(r.json().getAsJsonArray("data").get(0).getAsJsonObject().get("b64_json").getAsString());
        Map<String, String> text = text(png);
        assertEquals("0.5", text.get("sprint:strength"));
        GeneratedImage alone = tiny.pipeline.generate(GenerationRequest.builder().prompt("a red fox").seed(3).size(96, 64)
                .image(input.toBufferedImage()).strength(0.5).build()).image();
        assertArrayEquals(alone.rgb(), ImageProcessing.rgb8(ImageIO.read(new ByteArrayInputStream(png))), "the edit is Pipeline.generate with the image");

        Http.Response bad = tiny.http.multipart("/v1/images/edits", Map.of("prompt", "a red fox", "strength", "1.5"),
                Map.of("image", new Object[] {"in.png", "image/png", input.toPng()}));
        assertEquals(400, bad.status(), bad.body());
        assertTrue(bad.json().getAsJsonObject("error").get("message").getAsString().contains("strength"));
        Http.Response notImage = tiny.http.multipart("/v1/images/edits", Map.of("prompt", "a"),
                Map.of("image", new Object[] {"in.png", "image/png", "not a png".getBytes()}));
        assertEquals(400, notImage.status(), notImage.body());
        assertEquals("invalid_image_format", notImage.json().getAsJsonObject("error").get("code").getAsString());
        Http.Response mask = tiny.http.multipart("/v1/images/edits", Map.of("prompt", "a"),
                Map.of("image", new Object[] {"in.png", "image/png", input.toPng()}, "mask", new Object[] {"m.png", "image/png", input.toPng()}));
        assertEquals(400, mask.status(), mask.body());
        assertEquals("mask", mask.json().getAsJsonObject("error").get("param").getAsString());
    }

    @Test
    void aNegativePromptIsRejectedForSanaSprint() {
        Http.Response r = tiny.http.post("/v1/images/generations", "{\"prompt\": \"a\", \"negative_prompt\": \"blurry\"}");
        assertEquals(400, r.status(), r.body());
        assertEquals("negative_prompt", r.json().getAsJsonObject("error").get("param").getAsString());
    }

    @Test
    void thePipelinesOwnValidationIsA400() {
        Http.Response r = tiny.http.post("/v1/images/generations", "{\"prompt\": \"a\", \"size\": \"70x64\"}");
        assertEquals(400, r.status(), r.body());
        assertTrue(r.json().getAsJsonObject("error").get("message").getAsString().contains("multiples of 32"), r.body());
        Http.Response steps = tiny.http.post("/v1/images/generations", "{\"prompt\": \"a\", \"size\": \"64x64\", \"steps\": 9}");
        assertEquals(400, steps.status(), steps.body());
    }
}
