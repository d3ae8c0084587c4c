package dev.sprint.springai.autoconfigure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.ModelLoadException;
import dev.sprint.api.Pipeline;
import dev.sprint.springai.SprintImageGenerationMetadata;
import dev.sprint.springai.SprintImageModel;
import dev.sprint.springai.SprintImageOptions;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.ai.image.ImageModel;
import org.springframework.ai.image.ImagePrompt;
import org.springframework.ai.image.ImageResponse;
import org.springframework.ai.image.observation.DefaultImageModelObservationConvention;
import org.springframework.ai.image.observation.ImageModelObservationDocumentation.LowCardinalityKeyNames;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The starter in a real Boot application with the tiny golden SANA-Sprint model (DJL backend). */
@SpringBootTest(classes = SprintImageAutoConfigurationTest.App.class, properties = {
        "spring.ai.model.image=sprint",
        "spring.ai.sprint.image.backend=djl",
        "spring.ai.sprint.image.device=cpu",
        "spring.ai.sprint.image.options.steps=2",
        "spring.ai.sprint.image.options.seed=42",
        "spring.ai.sprint.image.options.width=96",
        "spring.ai.sprint.image.options.height=64",
        "spring.ai.sprint.image.options.resolution-binning=false"})
class SprintImageAutoConfigurationTest {

    /** A Boot application as a user writes one: nothing but auto-configuration. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {}

    static String goldenModel() {
        String dir = System.getProperty("sprint.golden.dir");
        Path m = (dir != null ? Path.of(dir) : Path.of("../golden")).resolve("sana-sprint/model");
        if (!Files.isRegularFile(m.resolve("model_index.json"))) fail("missing golden model " + m.toAbsolutePath());
        return m.toString();
    }

    @DynamicPropertySource
    static void model(DynamicPropertyRegistry registry) {
        registry.add("spring.ai.sprint.image.model", SprintImageAutoConfigurationTest::goldenModel);
    }

    @Autowired
    ImageModel imageModel;

    @Autowired
    Pipeline pipeline;

    @Test
    void injectedImageModelGeneratesWhatThePipelineGives() {
        ImageResponse r = imageModel.call(new ImagePrompt("a red fox in the snow"));
        GeneratedImage expected = pipeline.generate(GenerationRequest.builder().prompt("a red fox in the snow").steps(2)
                .seed(42).size(96, 64).resolutionBinning(false).build()).image();
        assertArrayEquals(expected.toPng(), Base64.getDecoder().decode(r.getResult().getOutput().getB64Json()));
        SprintImageGenerationMetadata meta = assertInstanceOf(SprintImageGenerationMetadata.class,
                r.getResult().getMetadata());
        assertEquals(42L, meta.getSeed());
        assertEquals(96, meta.getWidth());
        assertSame(pipeline, assertInstanceOf(SprintImageModel.class, imageModel).getPipeline());
        // request options merge over the configured defaults
        ImageResponse one = imageModel.call(new ImagePrompt("a red fox in the snow",
                SprintImageOptions.builder().steps(1).n(2).build()));
        assertEquals(2, one.getResults().size());
        assertEquals(1, ((SprintImageGenerationMetadata) one.getResult().getMetadata()).getSteps());
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(SprintImageAutoConfiguration.class))
            .withPropertyValues("spring.ai.sprint.image.model=" + goldenModel(), "spring.ai.sprint.image.backend=djl",
                    "spring.ai.sprint.image.device=cpu");

    @Test
    void thePipelineIsClosedWithTheContext() {
        AtomicReference<Pipeline> seen = new AtomicReference<>();
        runner.withPropertyValues("spring.ai.sprint.image.options.width=64", "spring.ai.sprint.image.options.height=64",
                "spring.ai.sprint.image.options.resolution-binning=false", "spring.ai.sprint.image.options.steps=1")
                .run(ctx -> {
                    assertNotNull(ctx.getBean(ImageModel.class)); // active with spring.ai.model.image unset
                    seen.set(ctx.getBean(Pipeline.class));
                    assertEquals(1, ctx.getBean(ImageModel.class).call(new ImagePrompt("x")).getResults().size());
                });
        RuntimeException closed = assertThrows(RuntimeException.class,
                () -> seen.get().generate(GenerationRequest.of("x")));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
    }

    @Test
    void anotherImageProviderSelectedMeansNoSprintBeans() {
        runner.withPropertyValues("spring.ai.model.image=openai").run(ctx -> {
            assertFalse(ctx.containsBean("sprintPipeline"));
            assertTrue(ctx.getBeansOfType(ImageModel.class).isEmpty());
        });
    }

    @Configuration
    static class OwnPipeline {
        @Bean(destroyMethod = "close")
        Pipeline myPipeline() {
            return Pipeline.builder().model(goldenModel()).backend("djl").device("cpu").build();
        }
    }

    @Test
    void anApplicationPipelineBeanIsUsedInstead() {
        runner.withUserConfiguration(OwnPipeline.class).run(ctx -> {
            assertFalse(ctx.containsBean("sprintPipeline"));
            assertSame(ctx.getBean("myPipeline"), ctx.getBean(SprintImageModel.class).getPipeline());
        });
    }

    @Test
    void aModelThatCannotBeLoadedFailsStartUpNamingIt() {
        runner.withPropertyValues("spring.ai.sprint.image.model=/no/such/model-folder").run(ctx -> {
            Throwable failure = ctx.getStartupFailure();
            assertNotNull(failure, "the context must not start");
            Throwable t = failure;
            while (t != null && !(t instanceof ModelLoadException)) t = t.getCause();
            assertNotNull(t, "cause chain holds a ModelLoadException: " + failure);
            assertTrue(t.getMessage().contains("/no/such/model-folder"), t.getMessage());
        });
    }

    @Configuration
    static class Observed {
        @Bean
        TestObservationRegistry observationRegistry() {
            return TestObservationRegistry.create();
        }
    }

    @Test
    void anObservationRegistryBeanReceivesSpringAisImageModelObservations() {
        runner.withUserConfiguration(Observed.class).withPropertyValues("spring.ai.sprint.image.options.width=64",
                "spring.ai.sprint.image.options.height=64", "spring.ai.sprint.image.options.resolution-binning=false",
                "spring.ai.sprint.image.options.steps=1").run(ctx -> {
                    ctx.getBean(ImageModel.class).call(new ImagePrompt("a red fox"));
                    TestObservationRegistryAssert.assertThat(ctx.getBean(TestObservationRegistry.class))
                            .hasObservationWithNameEqualTo(DefaultImageModelObservationConvention.DEFAULT_NAME).that()
                            .hasLowCardinalityKeyValue(LowCardinalityKeyNames.AI_OPERATION_TYPE.asString(), "image")
                            .hasLowCardinalityKeyValue(LowCardinalityKeyNames.AI_PROVIDER.asString(), "sprint")
                            .hasLowCardinalityKeyValue(LowCardinalityKeyNames.REQUEST_MODEL.asString(), "model")
                            .hasBeenStopped();
                });
    }
}
