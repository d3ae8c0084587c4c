package dev.sprint.server;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.sprint.api.GenerationRequest;
import java.awt.image.BufferedImage;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code POST /v1/images/generations} (JSON) or {@code /v1/images/edits} (multipart) call, parsed and
 * checked as OpenAI's Images API defines it, plus Sprint's extras ({@code seed}, {@code steps},
 * {@code guidance_scale}, {@code negative_prompt}, {@code timesteps}, {@code resolution_binning}, and
 * {@code strength} for edits).
 *
 * @param request      what the image service runs
 * @param outputFormat png, jpeg or webp
 * @param compression  0..100 for jpeg/webp (OpenAI's output_compression), default 100
 * @param user         the caller's end-user id, or null
 * @param stream        answer with server-sent events ({@code stream: true}) instead of one JSON body
 * @param partialImages 0..3 partial images (previews) to stream before each final image
 * @param url           {@code response_format: url}: images are served from the image store, the body holds links
 */
record ImagesRequest(GenerationRequest request, String outputFormat, int compression, String user, boolean stream,
                     int partialImages, boolean url) {
    /** OpenAI's most partial images per request. */
    static final int MAX_PARTIAL_IMAGES = 3;


    /** Request size limits of the server. */
    record Limits(long maxBodyBytes, int maxPromptChars, int maxImages, long maxPixels, int maxTimesteps) {}

    /** What the served model can do, for checks that the pipeline cannot make on its own. */
    record Model(String name, boolean negativePrompt, boolean img2img) {}

    /** Fields of OpenAI's Images API this server accepts (quality, style, moderation are accepted and have no effect). */
    private static final Set<String> OPENAI = Set.of("prompt", "model", "n", "size", "response_format", "output_format",
            "output_compression", "quality", "style", "background", "moderation", "user", "stream", "partial_images");
    private static final Set<String> OPENAI_EDITS = Set.of("prompt", "model", "n", "size", "response_format", "output_format",
            "output_compression", "quality", "background", "user", "input_fidelity", "stream", "partial_images");
    private static final Set<String> EXTRAS = Set.of("seed", "steps", "guidance_scale", "negative_prompt", "timesteps",
            "resolution_binning");
    private static final Pattern SIZE = Pattern.compile("(\\d{1,5})x(\\d{1,5})");

    /** Parses a generations body. */
    static ImagesRequest generations(JsonObject body, Limits limits, Model model) {
        for (String k : body.keySet()) {
            if (!OPENAI.contains(k) && !EXTRAS.contains(k)) throw unknown(k);
        }
        return parse(new JsonFields(body, limits.maxTimesteps()), limits, model, null);
    }

    /**
     * Parses an edits form.
     *
     * @param form  text fields (file parts excluded)
     * @param image the decoded {@code image} part
     */
    static ImagesRequest edits(Map<String, List<String>> form, BufferedImage image, Limits limits, Model model) {
        for (String k : form.keySet()) {
            if (!OPENAI_EDITS.contains(k) && !EXTRAS.contains(k) && !k.equals("strength")) throw unknown(k);
        }
        if (!model.img2img()) {
            throw ApiError.invalid("the served model (" + model.name() + ") does not support image edits (img2img)", "image",
                    "unsupported_value");
        }
        return parse(new FormFields(form, limits.maxTimesteps()), limits, model, image);
    }

    private static ImagesRequest parse(Fields f, Limits limits, Model model, BufferedImage image) {
        String prompt = f.string("prompt");
        if (prompt == null) throw ApiError.invalid("Missing required parameter: 'prompt'.", "prompt", "missing_required_parameter");
        if (prompt.isBlank()) throw ApiError.invalid("Invalid 'prompt': empty string.", "prompt", "empty_string");
        if (prompt.length() > limits.maxPromptChars()) {
            throw ApiError.invalid("Invalid 'prompt': string too long. Expected a string with maximum length "
                    + limits.maxPromptChars() + ", but got a string with length " + prompt.length() + " instead.", "prompt",
                    "string_above_max_length");
        }
        String m = f.string("model");
        if (m != null && !m.equals(model.name())) {
            throw new ApiError(404, ApiError.INVALID_REQUEST, "The model '" + m + "' does not exist; this server serves '"
                    + model.name() + "'.", "model", "model_not_found", 0);
        }
        GenerationRequest.Builder b = GenerationRequest.builder().prompt(prompt);
        Long n = f.integer("n");
        if (n != null) {
            if (n < 1) throw ApiError.invalid("Invalid 'n': integer below minimum value. Expected a value >= 1, but got " + n
                    + " instead.", "n", "integer_below_min_value");
            if (n > limits.maxImages()) throw ApiError.invalid("Invalid 'n': integer above maximum value. Expected a value <= "
                    + limits.maxImages() + ", but got " + n + " instead.", "n", "integer_above_max_value");
            b.imagesPerPrompt(n.intValue());
        }
        String size = f.string("size");
        int[] wh = null;
        if (size != null && !size.equals("auto")) {
            Matcher mm = SIZE.matcher(size);
            if (!mm.matches()) {
                throw ApiError.invalid("Invalid 'size': '" + size + "'. Expected 'WIDTHxHEIGHT' in pixels (e.g. '1024x1024') or 'auto'.",
                        "size", "invalid_value");
            }
            wh = new int[] {Integer.parseInt(mm.group(1)), Integer.parseInt(mm.group(2))};
        } else if (image != null) {
            wh = new int[] {image.getWidth(), image.getHeight()}; // an edit keeps the input's size by default
        }
        if (wh != null) {
            if (wh[0] < 1 || wh[1] < 1 || (long) wh[0] * wh[1] > limits.maxPixels()) {
                throw ApiError.invalid("Invalid 'size': " + wh[0] + "x" + wh[1] + " is outside this server's limit of "
                        + limits.maxPixels() + " pixels.", "size", "invalid_value");
            }
            b.size(wh[0], wh[1]);
        }
        String responseFormat = f.string("response_format");
        if (responseFormat != null && !responseFormat.equals("b64_json") && !responseFormat.equals("url")) {
            throw ApiError.invalid("Invalid 'response_format': '" + responseFormat + "'. Supported values are: 'b64_json' and 'url'.",
                    "response_format", "invalid_value");
        }
        boolean url = "url".equals(responseFormat);
        String format = f.string("output_format");
        format = format == null ? "png" : format.toLowerCase(Locale.ROOT);
        if (format.equals("jpg")) format = "jpeg";
        if (!ImageEncoding.FORMATS.contains(format)) {
            throw ApiError.invalid("Invalid 'output_format': '" + format + "'. Supported values are: 'png', 'jpeg', 'webp'.",
                    "output_format", "invalid_value");
        }
        if (!ImageEncoding.canWrite(format)) {
            throw ApiError.invalid("output_format '" + format + "' cannot be written by this server's JDK (no ImageIO writer); use 'png' or 'jpeg'.",
                    "output_format", "unsupported_value");
        }
        Long compression = f.integer("output_compression");
        if (compression != null && (compression < 0 || compression > 100)) {
            throw ApiError.invalid("Invalid 'output_compression': expected 0..100, got " + compression + ".", "output_compression",
                    "invalid_value");
        }
        String background = f.string("background");
        if (background != null && !Set.of("auto", "opaque").contains(background)) {
            throw ApiError.invalid("background '" + background + "' is not supported: images are opaque RGB; use 'auto' or 'opaque'.",
                    "background", "unsupported_value");
        }
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        Long partial = f.integer("partial_images");
        if (partial != null && (partial < 0 || partial > MAX_PARTIAL_IMAGES)) {
            throw ApiError.invalid("Invalid 'partial_images': expected 0.." + MAX_PARTIAL_IMAGES + ", got " + partial + ".",
                    "partial_images", "invalid_value");
        }
        if (partial != null && partial > 0 && !stream) {
            throw ApiError.invalid("partial_images needs 'stream': true.", "partial_images", "invalid_value");
        }
        if (stream && url) {
            throw ApiError.invalid("Streamed images are sent inline as b64_json; response_format 'url' does not apply to 'stream': true.",
                    "response_format", "unsupported_value");
        }
        f.string("quality");
        f.string("style");
        f.string("moderation");
        f.string("input_fidelity");
        String user = f.string("user");

        Long seed = f.integer("seed");
        if (seed != null) b.seed(seed);
        Long steps = f.integer("steps");
        if (steps != null) {
            if (steps < 1 || steps > 1000) throw ApiError.invalid("Invalid 'steps': expected 1..1000, got " + steps + ".", "steps", "invalid_value");
            b.steps(steps.intValue());
        }
        Double guidance = f.number("guidance_scale");
        if (guidance != null) b.guidanceScale(guidance);
        String negative = f.string("negative_prompt");
        if (negative != null) {
            if (!model.negativePrompt()) {
                throw ApiError.invalid("negative_prompt is not used by the served model (" + model.name()
                        + ": embedded guidance, no classifier-free guidance); leave it out.", "negative_prompt", "unsupported_value");
            }
            if (negative.length() > limits.maxPromptChars()) {
                throw ApiError.invalid("Invalid 'negative_prompt': longer than " + limits.maxPromptChars() + " characters.",
                        "negative_prompt", "string_above_max_length");
            }
            b.negativePrompt(negative);
        }
        List<Double> timesteps = f.numbers("timesteps");
        if (timesteps != null) b.timesteps(timesteps);
        Boolean binning = f.bool("resolution_binning");
        if (binning != null) b.resolutionBinning(binning);
        if (image != null) {
            b.image(image);
            Double strength = f.number("strength");
            if (strength != null) b.strength(strength);
        }
        return new ImagesRequest(b.build(), format, compression == null ? 100 : compression.intValue(), user, stream,
                partial == null ? 0 : partial.intValue(), url);
    }

    private static ApiError tooMany(String name, int max) {
        return ApiError.invalid("Invalid '" + name + "': at most " + max + " values (this server's limit).", name, "array_above_max_length");
    }

    private static ApiError unknown(String k) {
        return ApiError.invalid("Unknown parameter: '" + k + "'.", k, "unknown_parameter");
    }

    private static ApiError type(String name, String expected, String got) {
        return ApiError.invalid("Invalid type for '" + name + "': expected " + expected + ", but got " + got + " instead.", name,
                "invalid_type");
    }

    // ------------------------------------------------------------------------------------------ typed fields

    /** Typed access to a request's fields; absent and JSON null both read as null. */
    private interface Fields {
        String string(String name);

        Long integer(String name);

        Double number(String name);

        Boolean bool(String name);

        List<Double> numbers(String name);
    }

    private record JsonFields(JsonObject o, int maxValues) implements Fields {
        private JsonElement get(String name) {
            JsonElement e = o.get(name);
            return e == null || e.isJsonNull() ? null : e;
        }

        private static String kind(JsonElement e) {
            if (e.isJsonArray()) return "an array";
            if (e.isJsonObject()) return "an object";
            JsonPrimitive p = e.getAsJsonPrimitive();
            return p.isString() ? "a string" : p.isBoolean() ? "a boolean" : "a number";
        }

        /** The field as a primitive of the kind {@code ok} accepts (an error naming {@code what} otherwise), or null. */
        private JsonPrimitive primitive(String name, Predicate<JsonPrimitive> ok, String what) {
            JsonElement e = get(name);
            if (e == null) return null;
            if (!e.isJsonPrimitive() || !ok.test(e.getAsJsonPrimitive())) throw type(name, what, kind(e));
            return e.getAsJsonPrimitive();
        }

        @Override
        public String string(String name) {
            JsonPrimitive p = primitive(name, JsonPrimitive::isString, "a string");
            return p == null ? null : p.getAsString();
        }

        @Override
        public Long integer(String name) {
            JsonPrimitive p = primitive(name, JsonPrimitive::isNumber, "an integer");
            return p == null ? null : integral(name, p.getAsString());
        }

        @Override
        public Double number(String name) {
            JsonPrimitive p = primitive(name, JsonPrimitive::isNumber, "a number");
            return p == null ? null : finite(name, p.getAsDouble());
        }

        @Override
        public Boolean bool(String name) {
            JsonPrimitive p = primitive(name, JsonPrimitive::isBoolean, "a boolean");
            return p == null ? null : p.getAsBoolean();
        }

        @Override
        public List<Double> numbers(String name) {
            JsonElement e = get(name);
            if (e == null) return null;
            if (!e.isJsonArray()) throw type(name, "an array of numbers", kind(e));
            JsonArray a = e.getAsJsonArray();
            if (a.size() > maxValues) throw tooMany(name, maxValues);
            List<Double> out = new ArrayList<>(a.size());
            for (JsonElement v : a) {
                if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) throw type(name, "an array of numbers", "an array with " + kind(v));
                out.add(finite(name, v.getAsDouble()));
            }
            return out;
        }
    }

    /** Multipart text fields: every value is a string and is parsed to the field's type. */
    private record FormFields(Map<String, List<String>> form, int maxValues) implements Fields {
        @Override
        public String string(String name) {
            List<String> v = form.get(name);
            if (v == null || v.isEmpty()) return null;
            if (v.size() > 1) throw ApiError.invalid("'" + name + "' was given " + v.size() + " times.", name, "invalid_value");
            return v.get(0);
        }

        @Override
        public Long integer(String name) {
            String s = string(name);
            if (s == null) return null;
            return integral(name, s.trim());
        }

        @Override
        public Double number(String name) {
            String s = string(name);
            if (s == null) return null;
            try {
                return finite(name, Double.parseDouble(s.trim()));
            } catch (NumberFormatException e) {
                throw type(name, "a number", "'" + s + "'");
            }
        }

        @Override
        public Boolean bool(String name) {
            String s = string(name);
            if (s == null) return null;
            return switch (s.trim().toLowerCase(Locale.ROOT)) {
                case "true" -> true;
                case "false" -> false;
                default -> throw type(name, "a boolean", "'" + s + "'");
            };
        }

        @Override
        public List<Double> numbers(String name) {
            String s = string(name);
            if (s == null) return null;
            String t = s.trim();
            if (t.startsWith("[") && t.endsWith("]")) t = t.substring(1, t.length() - 1);
            List<Double> out = new ArrayList<>();
            String[] parts = t.split(",", maxValues + 2);
            if (parts.length > maxValues) throw tooMany(name, maxValues);
            for (String part : parts) {
                try {
                    out.add(finite(name, Double.parseDouble(part.trim())));
                } catch (NumberFormatException e) {
                    throw type(name, "comma-separated numbers", "'" + s + "'");
                }
            }
            return out;
        }
    }

    /** An exact 64-bit integer from its text ("7", "7.0", "7e2"); anything else is a type error. */
    private static long integral(String name, String text) {
        if (text.length() > 64) throw type(name, "a 64-bit integer", "a number of " + text.length() + " characters");
        try {
            BigDecimal v = new BigDecimal(text).stripTrailingZeros();
            if (v.scale() > 0 || v.precision() - v.scale() > 19) throw type(name, "a 64-bit integer", text);
            return v.longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            throw type(name, "an integer", "'" + text + "'");
        }
    }

    private static double finite(String name, double v) {
        if (!Double.isFinite(v)) throw ApiError.invalid("Invalid '" + name + "': not a finite number.", name, "invalid_value");
        return v;
    }
}
