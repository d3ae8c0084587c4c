package dev.sprint.springai;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.core.testing.GoldenPipeline;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.image.ImageGeneration;
import org.springframework.ai.image.ImageMessage;
import org.springframework.ai.image.ImageModel;
import org.springframework.ai.image.ImageOptions;
import org.springframework.ai.image.ImageOptionsBuilder;
import org.springframework.ai.image.ImagePrompt;
import org.springframework.ai.image.ImageResponse;

/**
 * The Spring AI model against the plain {@link Pipeline} on the tiny golden SANA-Sprint model (DJL backend):
 * the same options must give the same PNG bytes; request options merge over the defaults.
 */
class SprintImageModelTest {
    private static final int W = 96;
    private static final int H = 64;

    @RegisterExtension
    static final GoldenPipeline PLAIN = new GoldenPipeline("djl");

    private static SprintImageOptions defaults() {
        return SprintImageOptions.builder().steps(2).seed(42L).width(W).height(H).resolutionBinning(false).build();
    }

    private static GenerationRequest.Builder same(String prompt) {
        return GenerationRequest.builder().prompt(prompt).steps(2).seed(42).size(W, H).resolutionBinning(false);
    }

    private static byte[] png(ImageGeneration g) {
        return Base64.getDecoder().decode(g.getOutput().getB64Json());
    }

    @Test
    void callEqualsThePlainPipeline() {
        GeneratedImage expected = PLAIN.pipeline().generate(same("a red fox in the snow").build()).image();
        try (SprintImageModel m = SprintImageModel.builder().model(PLAIN.model().toString()).backend("djl").device("cpu")
                .defaultOptions(defaults()).build()) {
            ImageModel spring = m; // through Spring AI's interface
            ImageResponse r = spring.call(new ImagePrompt("a red fox in the snow"));
            assertEquals(1, r.getResults().size());
            assertArrayEquals(expected.toPng(), png(r.getResult()), "PNG (pixels + provenance) differs");
            assertNull(r.getResult().getOutput().getUrl());
            SprintImageGenerationMetadata meta = assertInstanceOf(SprintImageGenerationMetadata.class,
                    r.getResult().getMetadata());
            assertEquals(42L, meta.getSeed());
            assertEquals(2, meta.getSteps());
            assertEquals(W, meta.getWidth());
            assertEquals(H, meta.getHeight());
            assertEquals(expected.provenance(), meta.getProvenance());
            assertEquals(42L, (Long) r.getMetadata().get(SprintImageModel.SEED));
            Map<?, ?> timings = r.getMetadata().get(SprintImageModel.TIMINGS_MS);
            assertTrue(timings.containsKey("total"), "timings " + timings);
        }
    }

    @Test
    void requestOptionsMergeOverDefaults() {
        SprintImageModel m = SprintImageModel.builder().pipeline(PLAIN.pipeline()).defaultOptions(defaults()).build();
        // Sprint options: seed and steps from the request, size and binning from the defaults
        ImageResponse r = m.call(new ImagePrompt("a lighthouse", SprintImageOptions.builder().seed(7L).steps(1).build()));
        GeneratedImage expected = PLAIN.pipeline().generate(same("a lighthouse").seed(7).steps(1).build()).image();
        assertArrayEquals(expected.toPng(), png(r.getResult()));
        // portable options of any ImageOptions: n and size; Sprint's values stay the defaults'
        ImageResponse two = m.call(new ImagePrompt("a lighthouse", portable(2, 64, 32, "b64_json")));
        GenerationResult both = PLAIN.pipeline().generate(same("a lighthouse").size(64, 32).imagesPerPrompt(2).build());
        assertEquals(2, two.getResults().size());
        for (int i = 0; i < 2; i++) assertArrayEquals(both.images().get(i).toPng(), png(two.getResults().get(i)));
        assertEquals(1, ((SprintImageGenerationMetadata) two.getResults().get(1).getMetadata()).getImageIndex());
        // the defaults object is not changed by a merge
        assertEquals(defaults(), m.getDefaultOptions());
        SprintImageOptions merged = SprintImageModel.mergeOptions(SprintImageOptions.builder().guidanceScale(3.0).build(),
                defaults());
        assertEquals(defaults().mutate().guidanceScale(3.0).build(), merged);
        SprintImageOptions d = defaults();
        assertSame(d, SprintImageModel.mergeOptions(null, d));
    }

    /** Another provider's options: only the portable ImageOptions values (written out: the builder's names differ across Spring AI versions). */
    private static ImageOptions portable(Integer n, Integer width, Integer height, String responseFormat) {
        return new ImageOptions() {
            @Override public Integer getN() { return n; }
            @Override public String getModel() { return null; }
            @Override public Integer getWidth() { return width; }
            @Override public Integer getHeight() { return height; }
            @Override public String getResponseFormat() { return responseFormat; }
            @Override public String getStyle() { return null; }
        };
    }

    @Test
    void messagesJoinAndNegativeWeightIsTheNegativePrompt() {
        SprintImageModel m = SprintImageModel.builder().pipeline(PLAIN.pipeline()).defaultOptions(defaults()).build();
        ImageResponse r = m.call(new ImagePrompt(List.of(new ImageMessage("a cat"), new ImageMessage("in a spacesuit", 1f)),
                null));
        assertArrayEquals(PLAIN.pipeline().generate(same("a cat, in a spacesuit").build()).image().toPng(), png(r.getResult()));
        // SANA-Sprint has no CFG: the pipeline rejects a negative prompt, with a message saying why
        InvalidRequestException neg = assertThrows(InvalidRequestException.class, () -> m.call(new ImagePrompt(
                List.of(new ImageMessage("a cat"), new ImageMessage("blurry", -1f)), null)));
        assertTrue(neg.getMessage().contains("negative prompt"), neg.getMessage());
    }

    @Test
    void withoutASeedEachCallDrawsOne() {
        SprintImageModel m = SprintImageModel.builder().pipeline(PLAIN.pipeline())
                .defaultOptions(defaults().mutate().seed(null).steps(1).build()).build();
        ImageResponse a = m.call(new ImagePrompt("ramen"));
        ImageResponse b = m.call(new ImagePrompt("ramen"));
        long seed = ((SprintImageGenerationMetadata) a.getResult().getMetadata()).getSeed();
        assertNotEquals(seed, ((SprintImageGenerationMetadata) b.getResult().getMetadata()).getSeed());
        assertArrayEquals(PLAIN.pipeline().generate(same("ramen").steps(1).seed(seed).build()).image().toPng(), png(a.getResult()),
                "the reported seed reproduces the image");
    }

    @Test
    void unsupportedOptionsAndBadPromptsAreClearErrors() {
        SprintImageModel m = SprintImageModel.builder().pipeline(PLAIN.pipeline()).defaultOptions(defaults()).build();
        String url = assertThrows(InvalidRequestException.class, () -> m.call(new ImagePrompt("x",
                ImageOptionsBuilder.builder().responseFormat("url").build()))).getMessage();
        assertTrue(url.contains("b64_json"), url);
        assertThrows(InvalidRequestException.class, () -> m.call(new ImagePrompt("x",
                ImageOptionsBuilder.builder().style("vivid").build())));
        String other = assertThrows(InvalidRequestException.class, () -> m.call(new ImagePrompt("x",
                ImageOptionsBuilder.builder().model("dall-e-3").build()))).getMessage();
        assertTrue(other.contains("dall-e-3"), other);
        // the model option may name the served model: full path or folder name
        assertEquals(1, m.call(new ImagePrompt("x", ImageOptionsBuilder.builder().model("model").build())).getResults().size());
        assertThrows(InvalidRequestException.class, () -> m.call(new ImagePrompt(List.of())));
        assertThrows(InvalidRequestException.class, () -> m.call(new ImagePrompt(List.of(new ImageMessage("x", -1f)))));
        SprintImageModel sizeless = SprintImageModel.builder().pipeline(PLAIN.pipeline())
                .defaultOptions(defaults().mutate().width(null).height(null).build()).build();
        assertThrows(InvalidRequestException.class, () -> sizeless.call(new ImagePrompt("x",
                ImageOptionsBuilder.builder().width(64).build())));
        assertThrows(InvalidRequestException.class, () -> m.call(new ImagePrompt("x",
                SprintImageOptions.builder().width(50).height(50).build())));
        assertThrows(InvalidRequestException.class, () -> m.call(new ImagePrompt("x",
                SprintImageOptions.builder().n(0).build())));
        assertThrows(InvalidRequestException.class, () -> m.call(null));
        assertThrows(InvalidRequestException.class, () -> SprintImageModel.builder().pipeline(PLAIN.pipeline()).model("x").build());
        // still usable
        assertEquals(1, m.call(new ImagePrompt("x")).getResults().size());
    }

    @Test
    void closeClosesOnlyAnOwnedPipeline() {
        SprintImageModel shared = SprintImageModel.builder().pipeline(PLAIN.pipeline()).defaultOptions(defaults()).build();
        shared.close();
        assertThrows(InvalidRequestException.class, () -> shared.call(new ImagePrompt("x")));
        assertEquals(W, PLAIN.pipeline().generate(same("x").build()).image().width());
        SprintImageModel owned = SprintImageModel.builder().model(PLAIN.model().toString()).backend("djl").device("cpu").build();
        Pipeline p = owned.getPipeline();
        owned.close();
        RuntimeException closed = assertThrows(RuntimeException.class, () -> p.generate(same("x").build()));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }
}
