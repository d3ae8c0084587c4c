package dev.sprint.springai.autoconfigure;

import dev.sprint.api.Pipeline;
import dev.sprint.springai.SprintImageModel;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.image.ImageModel;
import org.springframework.ai.image.observation.ImageModelObservationConvention;
import org.springframework.ai.model.SpringAIModelProperties;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Auto-configuration of a Sprint {@link ImageModel}: a {@link Pipeline} bean loaded from
 * {@code spring.ai.sprint.image.*} at start-up (closed with the application context) and a
 * {@link SprintImageModel} over it. Active when {@code spring.ai.model.image} is {@value #MODEL_NAME} or unset (as
 * every Spring AI image provider, so with several providers on the class path set it to choose one). Either bean
 * backs off when the application defines its own, e.g. a {@code Pipeline} bean with a ControlNet or SwD.
 * Generations are observed in the application's {@link ObservationRegistry} bean when there is one (Spring Boot
 * Actuator defines it), as Spring AI's own image models are, with an {@link ImageModelObservationConvention} bean
 * in place of Spring AI's default convention when one is defined.
 */
@AutoConfiguration
@ConditionalOnClass({ImageModel.class, Pipeline.class, SprintImageModel.class})
@ConditionalOnProperty(name = SpringAIModelProperties.IMAGE_MODEL, havingValue = SprintImageAutoConfiguration.MODEL_NAME,
        matchIfMissing = true)
@EnableConfigurationProperties(SprintImageProperties.class)
public class SprintImageAutoConfiguration {
    /** Value of {@code spring.ai.model.image} that selects Sprint. */
    public static final String MODEL_NAME = "sprint";

    /** The loaded model; closed (weights and native memory freed) when the context closes. */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean
    public Pipeline sprintPipeline(SprintImageProperties properties) {
        return properties.pipelineBuilder().build();
    }

    /** The Spring AI image model over the pipeline, with the configured default options and observations. */
    @Bean
    @ConditionalOnMissingBean
    public SprintImageModel sprintImageModel(Pipeline sprintPipeline, SprintImageProperties properties,
                                             ObjectProvider<ObservationRegistry> observationRegistry,
                                             ObjectProvider<ImageModelObservationConvention> observationConvention) {
        SprintImageModel.Builder b = SprintImageModel.builder().pipeline(sprintPipeline)
                .defaultOptions(properties.getOptions().toImageOptions())
                .observationRegistry(observationRegistry.getIfUnique(() -> ObservationRegistry.NOOP));
        observationConvention.ifAvailable(b::observationConvention);
        return b.build();
    }
}
