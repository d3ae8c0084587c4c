package dev.sprint.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code "stream": true} on the wire: the server-sent events as bytes, their order, names and data, and errors mid-stream. */
class ImageStreamTest extends OnTinyServer {
    record Event(String name, JsonObject data) {}

    /** Parses a text/event-stream body: blocks separated by blank lines, {@code event:} and {@code data:} fields. */
    static List<Event> events(String body) {
        List<Event> out = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.isBlank()) continue;
            String name = null;
            StringBuilder data = new StringBuilder();
            for (String line : block.split("\n")) {
                if (line.startsWith("event: ")) name = line.substring(7);
                else if (line.startsWith("data: ")) data.append(line.substring(6));
            }
            out.add(new Event(name, JsonParser.parseString(data.toString()).getAsJsonObject()));
        }
        return out;
    }

    /** The event names of a response, in order. */
    static List<String> names(Http.Response r) {
        return events(r.body()).stream().map(Event::name).toList();
    }

    @Test
    void partialImagesPerImageThenOneCompletedEventPerImage() {
        Http.Response r = tiny.http.post("/v1/images/generations", "{\"prompt\": \"a fox\", \"n\": 2, \"size\": \"64x32\","
                + " \"stream\": true, \"partial_images\": 1, \"steps\": 3, \"seed\": 11}");
        assertEquals(200, r.status(), r.body());
        assertTrue(r.header("Content-Type").startsWith("text/event-stream"), r.header("Content-Type"));
        List<Event> ev = events(r.body());
        List<String> names = ev.stream().map(Event::name).toList();
        assertEquals(List.of("image_generation.partial_image", "image_generation.partial_image", "image_generation.completed",
                "image_generation.completed"), names);
        for (int i = 0; i < 4; i++) {
            JsonObject d = ev.get(i).data();
            assertEquals(names.get(i), d.get("type").getAsString(), "data.type repeats the event name");
            assertEquals("64x32", d.get("size").getAsString());
            assertEquals(i % 2, d.getAsJsonObject("sprint").get("image_index").getAsInt());
            assertFalse(d.get("b64_json").getAsString().isEmpty());
        }
        assertEquals(0, ev.get(0).data().get("partial_image_index").getAsInt());
        assertEquals(0, ev.get(1).data().get("partial_image_index").getAsInt());
        // one partial image of 3 steps: the last step before the final one (step 1) is the best estimate
        assertEquals(1, ev.get(0).data().getAsJsonObject("sprint").get("step").getAsInt());
        assertEquals(11, ev.get(2).data().getAsJsonObject("sprint").get("seed").getAsLong());
        assertEquals(12, ev.get(3).data().getAsJsonObject("sprint").get("seed").getAsLong());
    }

    @Test
    void editsStreamAsImageEditEvents() throws Exception {
        java.awt.image.BufferedImage input = new java.awt.image.BufferedImage(64, 64, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(input, "png", png);
        Http.Response r = tiny.http.multipart("/v1/images/edits", java.util.Map.of("prompt", "make it red", "stream", "true",
                "partial_images", "1", "steps", "3", "strength", "1.0"),
                java.util.Map.of("image", new Object[] {"in.png", "image/png", png.toByteArray()}));
        assertEquals(200, r.status(), r.body());
        assertEquals(List.of("image_edit.partial_image", "image_edit.completed"), names(r));
    }

    @Test
    void fewerPartialImagesWhenThereAreFewerSteps() {
        Http.Response r = tiny.http.post("/v1/images/generations", "{\"prompt\": \"a fox\", \"size\": \"32x32\", \"stream\": true,"
                + " \"partial_images\": 3, \"steps\": 2}");
        assertEquals(List.of("image_generation.partial_image", "image_generation.completed"), names(r));
    }

    @Test
    void aFailureAfterTheStreamOpenedIsAnErrorEvent() {
        // accepted by the HTTP layer, rejected by the pipeline: not a multiple of 32 with binning off
        Http.Response r = tiny.http.post("/v1/images/generations", "{\"prompt\": \"a fox\", \"size\": \"40x32\", \"stream\": true,"
                + " \"partial_images\": 1, \"resolution_binning\": false}");
        assertEquals(200, r.status());
        List<Event> ev = events(r.body());
        assertEquals(1, ev.size(), r.body());
        assertEquals("error", ev.get(0).name());
        JsonObject d = ev.get(0).data();
        assertEquals("error", d.get("type").getAsString());
        JsonObject err = d.getAsJsonObject("error");
        assertEquals("invalid_request_error", err.get("type").getAsString());
        assertTrue(err.get("message").getAsString().contains("multiples of"), err.toString());
    }

    @Test
    void partialImagesOutsideZeroToThreeOrWithoutStreamAre400() {
        Http.Response four = tiny.http.post("/v1/images/generations", "{\"prompt\": \"a\", \"stream\": true, \"partial_images\": 4}");
        assertEquals(400, four.status());
        assertEquals("partial_images", four.json().getAsJsonObject("error").get("param").getAsString());
        Http.Response noStream = tiny.http.post("/v1/images/generations", "{\"prompt\": \"a\", \"partial_images\": 1}");
        assertEquals(400, noStream.status());
        Http.Response url = tiny.http.post("/v1/images/generations", "{\"prompt\": \"a\", \"stream\": true, \"response_format\": \"url\"}");
        assertEquals(400, url.status());
    }

    @Test
    void partialImagesAreSpreadOverTheStepsBeforeTheLast() {
        assertTrue(ImageStreamHandler.chosen(2, 3, 1));
        assertFalse(ImageStreamHandler.chosen(0, 3, 1));
        assertFalse(ImageStreamHandler.chosen(0, 3, 2));
        assertTrue(ImageStreamHandler.chosen(1, 3, 2));
        assertTrue(ImageStreamHandler.chosen(2, 3, 2));
        assertTrue(ImageStreamHandler.chosen(0, 1, 3));
    }
}
