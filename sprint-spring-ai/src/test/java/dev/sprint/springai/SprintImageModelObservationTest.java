package dev.sprint.springai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.core.testing.GoldenPipeline;
import io.micrometer.common.KeyValues;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.ai.image.ImagePrompt;
import org.springframework.ai.image.observation.DefaultImageModelObservationConvention;
import org.springframework.ai.image.observation.ImageModelObservationContext;
import org.springframework.ai.image.observation.ImageModelObservationDocumentation.HighCardinalityKeyNames;
import org.springframework.ai.image.observation.ImageModelObservationDocumentation.LowCardinalityKeyNames;

/**
 * Generations reported to Micrometer as Spring AI's image models report them (its context, documentation and
 * default convention), on the tiny golden SANA-Sprint model.
 */
class SprintImageModelObservationTest {
    @RegisterExtension
    static final GoldenPipeline PLAIN = new GoldenPipeline("djl");

    private static SprintImageModel.Builder model() {
        return SprintImageModel.builder().pipeline(PLAIN.pipeline()).defaultOptions(SprintImageOptions.builder()
                .steps(2).seed(42L).width(96).height(64).resolutionBinning(false).build());
    }

    @Test
    void aCallIsOneImageModelObservationWithSpringAisNamesAndKeys() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        try (SprintImageModel m = model().observationRegistry(registry).build()) {
            m.call(new ImagePrompt("a red fox in the snow"));
        }
        TestObservationRegistryAssert.assertThat(registry)
                .hasNumberOfObservationsEqualTo(1)
                .hasObservationWithNameEqualTo(DefaultImageModelObservationConvention.DEFAULT_NAME).that()
                .isInstanceOf(ImageModelObservationContext.class)
                .hasContextualNameEqualTo("image model") // operation type + request model
                .hasLowCardinalityKeyValue(LowCardinalityKeyNames.AI_OPERATION_TYPE.asString(), "image")
                .hasLowCardinalityKeyValue(LowCardinalityKeyNames.AI_PROVIDER.asString(), SprintImageModel.PROVIDER)
                // no model option: the served folder's name (golden/sana-sprint/model), never its full path
                .hasLowCardinalityKeyValue(LowCardinalityKeyNames.REQUEST_MODEL.asString(), "model")
                .hasHighCardinalityKeyValue(HighCardinalityKeyNames.REQUEST_IMAGE_SIZE.asString(), "96x64")
                .doesNotHaveError()
                .hasBeenStarted()
                .hasBeenStopped();
        assertEquals("gen_ai.client.operation", DefaultImageModelObservationConvention.DEFAULT_NAME);
        assertEquals("gen_ai.operation.name", LowCardinalityKeyNames.AI_OPERATION_TYPE.asString());
    }

    @Test
    void theRequestsModelOptionAndAFailedGenerationAreObserved() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        try (SprintImageModel m = model().observationRegistry(registry).build()) {
            m.call(new ImagePrompt("a red fox", SprintImageOptions.builder().model("model").width(64).height(64).build()));
            TestObservationRegistryAssert.assertThat(registry).hasSingleObservationThat()
                    .hasLowCardinalityKeyValue(LowCardinalityKeyNames.REQUEST_MODEL.asString(), "model")
                    .hasHighCardinalityKeyValue(HighCardinalityKeyNames.REQUEST_IMAGE_SIZE.asString(), "64x64");
            registry.clear();
            // a size the pipeline refuses (not a multiple of 32 without binning): the observation carries the error
            assertThrows(InvalidRequestException.class,
                    () -> m.call(new ImagePrompt("a red fox", SprintImageOptions.builder().width(70).height(64).build())));
            TestObservationRegistryAssert.assertThat(registry).hasSingleObservationThat()
                    .hasError().assertThatError().isInstanceOf(InvalidRequestException.class);
        }
    }

    @Test
    void aConventionOfTheApplicationReplacesTheDefault() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        DefaultImageModelObservationConvention custom = new DefaultImageModelObservationConvention() {
            @Override
            public String getName() {
                return "images.generated";
            }

            @Override
            public KeyValues getLowCardinalityKeyValues(ImageModelObservationContext context) {
                return super.getLowCardinalityKeyValues(context).and("team", "catalog");
            }
        };
        try (SprintImageModel m = model().observationRegistry(registry).observationConvention(custom).build()) {
            m.call(new ImagePrompt("a red fox"));
        }
        TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo("images.generated").that()
                .hasLowCardinalityKeyValue("team", "catalog")
                .hasLowCardinalityKeyValue(LowCardinalityKeyNames.AI_PROVIDER.asString(), SprintImageModel.PROVIDER);
    }

    @Test
    void observingDoesNotChangeTheImage() {
        TestObservationRegistry registry = TestObservationRegistry.create();
        String observed;
        String plain;
        try (SprintImageModel m = model().observationRegistry(registry).build()) {
            observed = m.call(new ImagePrompt("a lighthouse")).getResult().getOutput().getB64Json();
        }
        try (SprintImageModel m = model().build()) {
            plain = m.call(new ImagePrompt("a lighthouse")).getResult().getOutput().getB64Json();
        }
        assertEquals(plain, observed);
        TestObservationRegistryAssert.assertThat(registry).hasNumberOfObservationsEqualTo(1);
    }
}
