package dev.sprint.langchain4j;

import dev.langchain4j.data.image.Image;
import dev.langchain4j.model.image.ImageModel;
import dev.langchain4j.model.output.Response;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.Pipeline;
import dev.sprint.api.Provenance;
import dev.sprint.api.spi.IntegrationBuilder;
import dev.sprint.api.spi.IntegrationModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A LangChain4j {@link ImageModel} that generates in process with a Sprint {@link Pipeline}: no server, no
 * network. Text-to-image with {@link #generate(String)} and {@link #generate(String, int)}, SANA-Sprint img2img
 * with {@link #edit(Image, String)}.
 *
 * <pre>{@code
 * try (SprintImageModel model = SprintImageModel.builder()
 *         .model("/models/Sana_Sprint_0.6B_1024px_diffusers")   // or a repo id (downloaded on first use)
 *         .steps(2)
 *         .build()) {
 *     Response<Image> r = model.generate("a red fox in the snow, watercolor");
 *     byte[] png = Base64.getDecoder().decode(r.content().base64Data());
 *     long seed = (Long) r.metadata().get(SprintImageModel.SEED);
 * }
 * }</pre>
 *
 * <p>Images come back as base64 PNG ({@code mimeType "image/png"}) carrying the provenance text chunks of
 * {@link GeneratedImage#toPng()}. {@link Response#metadata()} holds {@link #SEED}, {@link #STEPS},
 * {@link #WIDTH}, {@link #HEIGHT}, {@link #TIMINGS_MS} and {@link #PROVENANCE}.
 *
 * <p>Settings of the builder apply to every call; what it leaves unset comes from the pipeline's defaults,
 * else the checkpoint's. Without a {@link Builder#seed(long) seed} every call draws a fresh one, reported in
 * the metadata. Thread safety: as {@link Pipeline} (calls are serialized per pipeline). Errors are
 * {@link dev.sprint.api.SprintException}s: {@link InvalidRequestException} for a bad prompt, size or image,
 * {@link dev.sprint.api.ModelLoadException} from {@link Builder#build()} for a model that cannot be read.
 */
public final class SprintImageModel extends IntegrationModel implements ImageModel {
    /** Metadata key: seed of the generator that drew the call's noise ({@link Long}). */
    public static final String SEED = "seed";
    /** Metadata key: sampler steps run ({@link Integer}). */
    public static final String STEPS = "steps";
    /** Metadata key: image width in pixels ({@link Integer}). */
    public static final String WIDTH = "width";
    /** Metadata key: image height in pixels ({@link Integer}). */
    public static final String HEIGHT = "height";
    /** Metadata key: wall-clock milliseconds per stage ({@code Map<String, Double>}: text_encoder, step_0, ..., decode, total). */
    public static final String TIMINGS_MS = "timingsMs";
    /**
     * Metadata key: how the image was made, a {@link Provenance} ({@code generate(prompt)}, {@code edit}) or a
     * {@code List<Provenance>} in image order ({@code generate(prompt, n)}).
     */
    public static final String PROVENANCE = "provenance";

    private final GenerationRequest template;
    private final Double strength;

    private SprintImageModel(Pipeline pipeline, boolean ownsPipeline, GenerationRequest template, Double strength) {
        super(pipeline, ownsPipeline);
        this.template = template;
        this.strength = strength;
    }

    /** A builder; every setting is optional. */
    public static Builder builder() {
        return new Builder();
    }

    /** One image for the prompt. */
    @Override
    public Response<Image> generate(String prompt) {
        GenerationResult r = run(request(prompt).build());
        GeneratedImage img = r.image();
        return new Response<>(toImage(img), null, null, metadata(r, img.provenance()));
    }

    /** {@code n} images for the prompt (images per prompt, one generator seeded once for the call). */
    @Override
    public Response<List<Image>> generate(String prompt, int n) {
        if (n < 1) throw new InvalidRequestException("n must be at least 1, got " + n);
        GenerationResult r = run(request(prompt).imagesPerPrompt(n).build());
        List<Image> images = new ArrayList<>(r.images().size());
        List<Provenance> provenance = new ArrayList<>(r.images().size());
        for (GeneratedImage img : r.images()) {
            images.add(toImage(img));
            provenance.add(img.provenance());
        }
        return new Response<>(images, null, null, metadata(r, List.copyOf(provenance)));
    }

    /**
     * Image-to-image: the image is noised to the builder's {@link Builder#strength(double) strength} (default
     * 0.6) and denoised towards the prompt (SANA-Sprint img2img: with N steps, {@code int(N − N·strength)}
     * leading steps are skipped). The output has the builder's size, else the input image's size.
     *
     * @param image a PNG/JPEG/BMP/GIF as {@link Image#base64Data()}, or a {@code file:} or {@code data:} URL
     */
    @Override
    public Response<Image> edit(Image image, String prompt) {
        BufferedImage input = decode(image);
        GenerationRequest.Builder b = request(prompt).image(input);
        if (template.width() == null && template.height() == null) b.size(input.getWidth(), input.getHeight());
        if (strength != null) b.strength(strength);
        GenerationResult r = run(b.build());
        GeneratedImage img = r.image();
        return new Response<>(toImage(img), null, null, metadata(r, img.provenance()));
    }

    /** Not supported: SANA-Sprint img2img repaints the whole image, there is no inpainting with a mask. */
    @Override
    public Response<Image> edit(Image image, Image mask, String prompt) {
        throw new InvalidRequestException("masked edit (inpainting) is not supported by Sprint: SANA-Sprint img2img "
                + "repaints the whole image; call edit(image, prompt) without a mask");
    }

    /** The pipeline this model generates with (shared or owned). */
    public Pipeline pipeline() {
        return sharedOrOwnedPipeline();
    }

    private GenerationRequest.Builder request(String prompt) {
        if (prompt == null) throw new InvalidRequestException("prompt is null");
        return template.toBuilder().prompts(List.of(prompt));
    }

    private GenerationResult run(GenerationRequest request) {
        return callPipeline().generate(request);
    }

    private static Image toImage(GeneratedImage img) {
        return Image.builder()
                .base64Data(Base64.getEncoder().encodeToString(img.toPng()))
                .mimeType("image/png")
                .build();
    }

    private static Map<String, Object> metadata(GenerationResult r, Object provenance) {
        Map<String, Object> m = new LinkedHashMap<>();
        GeneratedImage first = r.image();
        m.put(SEED, r.seed());
        m.put(STEPS, first.provenance().steps());
        m.put(WIDTH, first.width());
        m.put(HEIGHT, first.height());
        m.put(TIMINGS_MS, r.timingsMs());
        m.put(PROVENANCE, provenance);
        return m;
    }

    /** The input of {@link #edit}: inline base64, a data: URL or a local file: URL; nothing is fetched remotely. */
    static BufferedImage decode(Image image) {
        if (image == null) throw new InvalidRequestException("image is null");
        byte[] bytes;
        if (image.base64Data() != null && !image.base64Data().isBlank()) {
            bytes = base64(image.base64Data().strip(), "Image.base64Data");
        } else if (image.url() != null) {
            URI url = image.url();
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("data")) {
                String s = url.toString();
                int comma = s.indexOf(',');
                if (comma < 0 || !s.substring(0, comma).toLowerCase(Locale.ROOT).endsWith(";base64")) {
                    throw new InvalidRequestException("a data: URL input image must be base64 (data:image/png;base64,...)");
                }
                bytes = base64(s.substring(comma + 1), "data: URL");
            } else if (scheme.equals("file")) {
                Path file;
                try {
                    file = Path.of(url);
                    bytes = Files.readAllBytes(file);
                } catch (IOException | RuntimeException e) {
                    throw new InvalidRequestException("cannot read the input image " + url + ": " + e.getMessage());
                }
            } else {
                throw new InvalidRequestException("input image URL " + url + " is not supported: pass the image as "
                        + "base64Data, or a file: or data: URL (Sprint does not download images)");
            }
        } else {
            throw new InvalidRequestException("the input image has neither base64Data nor a url");
        }
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new InvalidRequestException("the input image cannot be decoded: " + e.getMessage());
        }
        if (img == null) {
            throw new InvalidRequestException("the input image is not in a format ImageIO reads (PNG, JPEG, BMP, GIF)");
        }
        return img;
    }

    private static byte[] base64(String text, String what) {
        try {
            return Base64.getMimeDecoder().decode(text);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(what + " is not valid base64: " + e.getMessage());
        }
    }

    /**
     * Builder of a {@link SprintImageModel}: either the pipeline settings ({@link #model}, {@link #backend},
     * {@link #device}, ...), from which {@link #build()} loads a pipeline that {@link SprintImageModel#close()}
     * closes, or an existing {@link #pipeline(Pipeline)} to share. Generation settings ({@link #steps},
     * {@link #seed}, size, ...) apply to every call in both cases.
     */
    public static final class Builder extends IntegrationBuilder<Builder> {
        private final GenerationRequest.Builder template = GenerationRequest.builder();
        private Integer width;
        private Integer height;
        private Double strength;

        private Builder() {}

        /** Sampler steps (SANA-Sprint: 1..4). */
        public Builder steps(int steps) {
            template.steps(steps);
            return this;
        }

        /** Seed of every call (same prompt and seed give the same image); unset: a fresh seed per call. */
        public Builder seed(long seed) {
            template.seed(seed);
            return this;
        }

        /** Image width in pixels. */
        public Builder width(int width) {
            this.width = width;
            return this;
        }

        /** Image height in pixels. */
        public Builder height(int height) {
            this.height = height;
            return this;
        }

        /** Guidance scale (embedded guidance for SANA-Sprint, CFG for models that use it). */
        public Builder guidanceScale(double scale) {
            template.guidanceScale(scale);
            return this;
        }

        /** Render at the model's nearest aspect-ratio bucket and resize back (default on), or exactly W×H. */
        public Builder resolutionBinning(boolean binning) {
            template.resolutionBinning(binning);
            return this;
        }

        /** Text tokens kept per prompt. */
        public Builder maxSequenceLength(int tokens) {
            template.maxSequenceLength(tokens);
            return this;
        }

        /** Negative prompt, for models with classifier-free guidance (SANA-Sprint rejects it). */
        public Builder negativePrompt(String negativePrompt) {
            template.negativePrompt(negativePrompt);
            return this;
        }

        /** img2img strength of {@link SprintImageModel#edit(Image, String)}, in (0, 1]; default 0.6. */
        public Builder strength(double strength) {
            this.strength = strength;
            return this;
        }

        /**
         * Builds the model; loads the pipeline unless one was given.
         *
         * @throws InvalidRequestException   for an inconsistent builder (width without height, pipeline and model)
         * @throws dev.sprint.api.SprintException what {@link Pipeline.Builder#build()} throws for a model it cannot load
         */
        public SprintImageModel build() {
            if ((width == null) != (height == null)) {
                throw new InvalidRequestException("set both width and height, or neither (got width " + width
                        + ", height " + height + ")");
            }
            if (width != null) template.size(width, height);
            if (strength != null && !(strength > 0 && strength <= 1)) {
                throw new InvalidRequestException("strength must be in (0, 1], got " + strength);
            }
            GenerationRequest t = template.build();
            OpenedPipeline p = openPipeline();
            return new SprintImageModel(p.pipeline(), p.owned(), t, strength);
        }
    }
}
