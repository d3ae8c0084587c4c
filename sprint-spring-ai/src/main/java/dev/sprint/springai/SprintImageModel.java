package dev.sprint.springai;

import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.spi.IntegrationBuilder;
import dev.sprint.api.spi.IntegrationModel;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.springframework.ai.image.Image;
import org.springframework.ai.image.ImageGeneration;
import org.springframework.ai.image.ImageMessage;
import org.springframework.ai.image.ImageModel;
import org.springframework.ai.image.ImageOptions;
import org.springframework.ai.image.ImagePrompt;
import org.springframework.ai.image.ImageResponse;
import org.springframework.ai.image.ImageResponseMetadata;
import org.springframework.ai.image.observation.DefaultImageModelObservationConvention;
import org.springframework.ai.image.observation.ImageModelObservationContext;
import org.springframework.ai.image.observation.ImageModelObservationConvention;
import org.springframework.ai.image.observation.ImageModelObservationDocumentation;

/**
 * A Spring AI {@link ImageModel} that generates in process with a Sprint {@link Pipeline}: no server, no network.
 *
 * <pre>{@code
 * try (SprintImageModel model = SprintImageModel.builder()
 *         .model("/models/Sana_Sprint_0.6B_1024px_diffusers")   // or a repo id (downloaded on first use)
 *         .defaultOptions(SprintImageOptions.builder().steps(2).build())
 *         .build()) {
 *     ImageResponse r = model.call(new ImagePrompt("a red fox in the snow, watercolor",
 *             SprintImageOptions.builder().seed(42L).build()));
 *     byte[] png = Base64.getDecoder().decode(r.getResult().getOutput().getB64Json());
 * }
 * }</pre>
 *
 * <p>Options: the request's options are merged over the {@link Builder#defaultOptions default options} value by
 * value (a request value wins where it is set), as Spring AI's own image models do; any {@link ImageOptions}
 * contributes its portable values ({@code n}, width, height, model, response format), a
 * {@link SprintImageOptions} also Sprint's (steps, seed, guidance, negative prompt, binning, text length).
 *
 * <p>Messages: the texts of the prompt's messages with no weight or a weight ≥ 0 are joined (", ") into the
 * prompt; a message with a negative weight is the negative prompt (as in Stability AI's API). Weights are not
 * applied otherwise: Sprint has no prompt weighting.
 *
 * <p>Each {@link ImageGeneration} holds a base64 PNG ({@link Image#getB64Json()}, with the provenance text chunks of
 * {@link GeneratedImage#toPng()}) and a {@link SprintImageGenerationMetadata} (seed, steps, size, provenance); the
 * response metadata holds {@code seed} and {@code timingsMs}. Errors are {@link dev.sprint.api.SprintException}s
 * ({@link InvalidRequestException} for a bad prompt or option; the model stays usable).
 *
 * <p>Observations: with an {@link ObservationRegistry} ({@link Builder#observationRegistry}; the starter passes the
 * application's), every generation is observed as Spring AI's own image models do it: Spring AI's
 * {@link ImageModelObservationContext} and {@link ImageModelObservationDocumentation#IMAGE_MODEL_OPERATION}, named and
 * tagged by {@link DefaultImageModelObservationConvention} (or your {@link ImageModelObservationConvention}):
 * {@code gen_ai.client.operation}, operation {@code image}, provider {@value #PROVIDER}, request model = the model
 * option, else the served model's folder or repo name; size and response format as high-cardinality keys.
 */
public final class SprintImageModel extends IntegrationModel implements ImageModel {
    /** Response metadata key: seed of the call ({@link Long}). */
    public static final String SEED = "seed";
    /** Response metadata key: milliseconds per stage ({@code Map<String, Double>}). */
    public static final String TIMINGS_MS = "timingsMs";
    /** The provider name observations carry ({@code gen_ai.system}). */
    public static final String PROVIDER = "sprint";

    private static final ImageModelObservationConvention DEFAULT_CONVENTION = new DefaultImageModelObservationConvention();

    private final String modelName;
    private final SprintImageOptions defaultOptions;
    private final ObservationRegistry observationRegistry;
    private final ImageModelObservationConvention observationConvention;

    private SprintImageModel(Pipeline pipeline, boolean ownsPipeline, SprintImageOptions defaultOptions,
                             ObservationRegistry observationRegistry, ImageModelObservationConvention observationConvention) {
        super(pipeline, ownsPipeline);
        this.defaultOptions = defaultOptions;
        this.modelName = pipeline.describe().get("model");
        this.observationRegistry = observationRegistry;
        this.observationConvention = observationConvention;
    }

    /** A builder; every setting is optional. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ImageResponse call(ImagePrompt prompt) {
        Pipeline pipeline = callPipeline();
        if (prompt == null) throw new InvalidRequestException("image prompt is null");
        SprintImageOptions options = mergeOptions(prompt.getOptions(), defaultOptions);
        GenerationRequest request = request(prompt.getInstructions(), options);
        // the context sees the options the call runs with (Spring AI's models observe their merged options too)
        ImageModelObservationContext context = ImageModelObservationContext.builder()
                .imagePrompt(new ImagePrompt(prompt.getInstructions(), options.getModel() != null ? options
                        : options.mutate().model(shortModelName()).build()))
                .provider(PROVIDER).build();
        return ImageModelObservationDocumentation.IMAGE_MODEL_OPERATION
                .observation(observationConvention, DEFAULT_CONVENTION, () -> context, observationRegistry)
                .observe(() -> {
                    ImageResponse response = generate(pipeline, request);
                    context.setResponse(response);
                    return response;
                });
    }

    private static ImageResponse generate(Pipeline pipeline, GenerationRequest request) {
        GenerationResult result = pipeline.generate(request);
        List<ImageGeneration> generations = new ArrayList<>(result.images().size());
        for (GeneratedImage img : result.images()) {
            generations.add(new ImageGeneration(new Image(null, Base64.getEncoder().encodeToString(img.toPng())),
                    new SprintImageGenerationMetadata(img.provenance())));
        }
        ImageResponseMetadata meta = new ImageResponseMetadata();
        meta.put(SEED, result.seed());
        meta.put(TIMINGS_MS, result.timingsMs());
        return new ImageResponse(generations, meta);
    }

    /** The options every call starts from. */
    public SprintImageOptions getDefaultOptions() {
        return defaultOptions;
    }

    /** The pipeline this model generates with (shared or owned). */
    public Pipeline getPipeline() {
        return sharedOrOwnedPipeline();
    }

    /**
     * Request options over defaults, value by value: the portable values of any {@link ImageOptions}, Sprint's
     * own only from a {@link SprintImageOptions}.
     */
    static SprintImageOptions mergeOptions(ImageOptions runtime, SprintImageOptions defaults) {
        if (runtime == null) return defaults;
        if (runtime.getStyle() != null) {
            throw new InvalidRequestException("image style '" + runtime.getStyle() + "' is not supported: Sprint has no "
                    + "style presets; describe the style in the prompt");
        }
        SprintImageOptions.Builder b = defaults.mutate()
                .n(merge(runtime.getN(), defaults.getN()))
                .model(merge(runtime.getModel(), defaults.getModel()))
                .width(merge(runtime.getWidth(), defaults.getWidth()))
                .height(merge(runtime.getHeight(), defaults.getHeight()))
                .responseFormat(merge(runtime.getResponseFormat(), defaults.getResponseFormat()));
        if (runtime instanceof SprintImageOptions s) {
            b.steps(merge(s.getSteps(), defaults.getSteps()))
                    .seed(merge(s.getSeed(), defaults.getSeed()))
                    .guidanceScale(merge(s.getGuidanceScale(), defaults.getGuidanceScale()))
                    .negativePrompt(merge(s.getNegativePrompt(), defaults.getNegativePrompt()))
                    .resolutionBinning(merge(s.getResolutionBinning(), defaults.getResolutionBinning()))
                    .maxSequenceLength(merge(s.getMaxSequenceLength(), defaults.getMaxSequenceLength()));
        }
        return b.build();
    }

    private static <T> T merge(T runtime, T dflt) {
        return runtime != null ? runtime : dflt;
    }

    private GenerationRequest request(List<ImageMessage> messages, SprintImageOptions o) {
        if (messages == null || messages.isEmpty()) throw new InvalidRequestException("the image prompt has no message");
        List<String> positive = new ArrayList<>();
        List<String> negative = new ArrayList<>();
        for (ImageMessage m : messages) {
            if (m == null || m.getText() == null) throw new InvalidRequestException("an image prompt message has no text");
            (m.getWeight() != null && m.getWeight() < 0 ? negative : positive).add(m.getText());
        }
        if (positive.isEmpty()) throw new InvalidRequestException("the image prompt has only negative-weight messages");
        if (o.getModel() != null && !servesModel(o.getModel())) {
            throw new InvalidRequestException("model '" + o.getModel() + "' was asked for, but this SprintImageModel serves '"
                    + modelName + "' (one model per SprintImageModel; leave the model option unset)");
        }
        if (o.getResponseFormat() != null && !o.getResponseFormat().toLowerCase(Locale.ROOT).equals(SprintImageOptions.B64_JSON)) {
            throw new InvalidRequestException("response format '" + o.getResponseFormat() + "' is not supported: Sprint "
                    + "returns images inline as base64 PNG (" + SprintImageOptions.B64_JSON + ")");
        }
        if ((o.getWidth() == null) != (o.getHeight() == null)) {
            throw new InvalidRequestException("set both width and height, or neither (got width " + o.getWidth()
                    + ", height " + o.getHeight() + ")");
        }
        GenerationRequest.Builder r = GenerationRequest.builder().prompt(String.join(", ", positive));
        if (!negative.isEmpty()) {
            if (o.getNegativePrompt() != null) {
                throw new InvalidRequestException("a negative prompt is given twice: as a negative-weight message and as "
                        + "the negativePrompt option");
            }
            r.negativePrompt(String.join(", ", negative));
        } else if (o.getNegativePrompt() != null) {
            r.negativePrompt(o.getNegativePrompt());
        }
        if (o.getN() != null) r.imagesPerPrompt(o.getN());
        if (o.getWidth() != null) r.size(o.getWidth(), o.getHeight());
        if (o.getSteps() != null) r.steps(o.getSteps());
        if (o.getSeed() != null) r.seed(o.getSeed());
        if (o.getGuidanceScale() != null) r.guidanceScale(o.getGuidanceScale());
        if (o.getResolutionBinning() != null) r.resolutionBinning(o.getResolutionBinning());
        if (o.getMaxSequenceLength() != null) r.maxSequenceLength(o.getMaxSequenceLength());
        return r.build();
    }

    /** The model option names this model: its folder or repo id as given, or that path's last segment. */
    private boolean servesModel(String asked) {
        if (modelName == null) return false;
        String m = modelName.replaceAll("[/\\\\]+$", "");
        return asked.equals(modelName) || asked.equals(m) || asked.equals(shortModelName());
    }

    /** The last segment of the served folder or repo id: a metric tag, not a path of this machine. */
    private String shortModelName() {
        if (modelName == null) return null;
        String m = modelName.replaceAll("[/\\\\]+$", "");
        return m.substring(Math.max(m.lastIndexOf('/'), m.lastIndexOf('\\')) + 1);
    }

    /**
     * Builder of a {@link SprintImageModel}: the pipeline settings ({@link #model}, {@link #backend}, ...), from
     * which {@link #build()} loads a pipeline that {@link SprintImageModel#close()} closes, or an existing
     * {@link #pipeline(Pipeline)} to share; plus the {@link #defaultOptions} of every call.
     */
    public static final class Builder extends IntegrationBuilder<Builder> {
        private SprintImageOptions defaultOptions = SprintImageOptions.builder().build();
        private ObservationRegistry observationRegistry = ObservationRegistry.NOOP;
        private ImageModelObservationConvention observationConvention;

        private Builder() {}

        /** Options every call starts from; a request's own options are merged over them. */
        public Builder defaultOptions(SprintImageOptions options) {
            defaultOptions = Objects.requireNonNull(options, "defaultOptions");
            return this;
        }

        /** Where generations are observed (default {@link ObservationRegistry#NOOP}: nothing is recorded). */
        public Builder observationRegistry(ObservationRegistry registry) {
            observationRegistry = Objects.requireNonNull(registry, "observationRegistry");
            return this;
        }

        /** Names and tags of the observations, in place of {@link DefaultImageModelObservationConvention}. */
        public Builder observationConvention(ImageModelObservationConvention convention) {
            observationConvention = Objects.requireNonNull(convention, "observationConvention");
            return this;
        }

        /**
         * Builds the model; loads the pipeline unless one was given.
         *
         * @throws InvalidRequestException for pipeline(existing) combined with pipeline settings
         * @throws dev.sprint.api.SprintException what {@link Pipeline.Builder#build()} throws for a model it cannot load
         */
        public SprintImageModel build() {
            OpenedPipeline p = openPipeline();
            return new SprintImageModel(p.pipeline(), p.owned(), defaultOptions, observationRegistry, observationConvention);
        }
    }
}
