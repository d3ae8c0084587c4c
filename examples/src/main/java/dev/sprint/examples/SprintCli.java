package dev.sprint.examples;

import dev.sprint.api.GenerationRequest;
import dev.sprint.api.GenerationResult;
import dev.sprint.api.GeneratedImage;
import dev.sprint.api.Pipeline;
import dev.sprint.api.MemoryMode;
import dev.sprint.api.Precision;
import dev.sprint.api.VaeTiling;
import dev.sprint.core.plan.MemoryBudget;
import dev.sprint.api.SprintException;
import dev.sprint.api.StepEvent;
import dev.sprint.controlnet.ControlImage;
import dev.sprint.controlnet.ControlNet;
import dev.sprint.core.lora.Lora;
import dev.sprint.core.pipeline.ComponentSource;
import dev.sprint.core.pipeline.PreviewDecoder;
import dev.sprint.api.PreviewEvent;
import dev.sprint.swd.sampler.SwdSpec;
import dev.sprint.swd.sampler.ScaleSchedule;
import dev.sprint.swd.sampler.SwdConfig;
import dev.sprint.swd.sampler.SwdPreset;
import dev.sprint.api.GenerationListener;
import dev.sprint.api.CancellationToken;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/**
 * The {@code ./sprint} command-line app: {@code generate}, {@code diagnostics}, {@code bench}. A host
 * program like any user's: it only uses the public API (plus the benchmark, which times internals).
 */
public final class SprintCli {
    static final String USAGE = """
            Usage: ./sprint <command> [options]

            Commands:
              generate      make images from a prompt
              diagnostics   which backends were found, which devices and native libraries each can use, and why not
              bench         per-stage timings on the tiny model or real configs with random weights (./sprint bench --help)
              export-onnx   write a component as an ONNX graph + external weights (./sprint export-onnx --help)
              spark         a Spark batch job: prompts.csv|.parquet -> one PNG per row + manifest.jsonl (./sprint spark --help)
              download      fetch a Hugging Face repo into the shared HF cache (./sprint download --help)
              write-fullsize  a full-size folder with random weights in the real layout, from bench/fullsize (./sprint write-fullsize --help)
              serve         OpenAI-images-compatible HTTP server with micro-batching, web page, metrics (./sprint serve --help)
              soak          run one pipeline N times and report memory, heap, files and threads (./sprint soak --help)
              help          this text

            Any command takes --verbose: show the libraries' log lines (DJL, ONNX Runtime) too.

            generate options:
              --model DIR|REPO_ID       diffusers folder, or a Hugging Face repo id (downloaded on first use)
                                        (default %s)
              --prompt TEXT             prompt; repeat for a batch drawn from one generator
              --output FILE.png         output file (default out.png); a batch writes FILE-0.png, FILE-1.png, ...
              --steps N                 sampler steps (SANA-Sprint: 1..4, default 2; SD3.5 without SwD: Euler steps, default 28)
              --seed S                  seed of the noise generator (default: random, printed)
              --width W --height H      image size in pixels (default: the model's, 1024x1024 for SANA-Sprint)
              --guidance G              guidance scale (SANA-Sprint: embedded guidance, default 4.5)
              --timesteps a,b,...,0     custom TrigFlow timesteps (N+1 values ending in 0)
              --max-timestep T          first TrigFlow angle (default 1.5708)
              --intermediate-timestep T middle angle of the 2-step schedule (default 1.3)
              --images-per-prompt N     images per prompt (default 1)
              --image IN.png            img2img input image
              --strength S              img2img strength in (0, 1] (default 0.6 when --image is given)
              --no-binning              generate at exactly W x H (multiples of 32) instead of the aspect-ratio table
              --no-instruction          no complex-human-instruction prefix
              --keep-case               do not lower-case / strip the prompt (diffusers does by default)
              --max-sequence-length L   text tokens kept per prompt (SANA default 300; SD3.5: T5 tokens, 256, SwD 512)
              --negative-prompt TEXT    negative prompt (models with classifier-free guidance: base Sana, ControlNet)
              --controlnet DIR          a Sana ControlNet folder (needs a base Sana model: SanaPipeline / SanaControlNetPipeline)
              --control-image IN.png    control image (e.g. an edge map)
              --control-scale S         ControlNet conditioning scale (default 1.0)
              --swd-weights DIR|REPO_ID SwD adapter (PEFT LoRA) for an SD3.5 folder; scale-wise sampling
              --swd-preset NAME         SwD table: medium-6-steps (default), medium-4-steps-2026, medium-4-steps-2025,
                                        large-4-steps, large-6-steps-2025; alone it loads the preset's adapter from
                                        the Hugging Face cache
              --scales 32,48,... --sigmas 1.0,...,0
                                        custom SwD table: latent side (or HxW, e.g. 8x10) per step, n+1 sigmas ending in 0
              --components DIR          folder with text_encoder/, tokenizer/, vae/ when --model lacks them
              --lora SRC[:SCALE]        a LoRA fused into the transformer at load (repeatable; default scale 1):
                                        a .safetensors file, an adapter folder or a repo id (docs/lora.md)
              --backend NAME            libtorch, djl or onnx (default: the best available, libtorch first)
              --device D                auto, cpu, cuda, cuda:N (default auto)
              --precision P             auto (libtorch: bfloat16 on CPUs with AMX-BF16/AVX512-BF16 and on CUDA, else
                                        float32), float32, bfloat16 (libtorch only), float16 (djl/onnx on CUDA)
              --threads N               intra-op CPU threads
              --backend-option K=V      a backend setting (repeatable), e.g. onnx.prepackWeights=false
              --memory M                auto (default: resident when everything fits, else low), resident, low
                                        (components loaded per stage and released; large text encoders stream
                                        layer by layer)
              --memory-budget GB        plan for this many gigabytes instead of the machine's memory
              --vae-tiling T            auto (default: tiled only when the untiled decode does not fit), on, off
              --previews N              also write a preview of every N-th step's estimate: OUT-stepK.png (generate)
              --preview-decoder D       projection (SD3/SwD default), vae (the model's VAE, exact, full decode cost) or
                                        DIR: a diffusers AutoencoderTiny folder (e.g. madebyollin/taesd3 for SD3/SwD)
            """;

    private SprintCli() {}

    public static void main(String[] argv) {
        if (Arrays.asList(argv).contains("--verbose")) {
            // before any logger exists: slf4j-simple reads its levels once
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "info");
            System.setProperty("org.slf4j.simpleLogger.log.ai.djl", "info");
            argv = Arrays.stream(argv).filter(x -> !x.equals("--verbose")).toArray(String[]::new);
        }
        int code;
        try {
            code = run(argv, System.out, System.err);
        } catch (CliException e) {
            System.err.println("error: " + e.getMessage());
            code = 2;
        } catch (SprintException e) {
            System.err.println("error: " + e.getMessage());
            code = 1;
        }
        System.exit(code);
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        if (argv.length == 0 || Set.of("help", "--help", "-h").contains(argv[0])) {
            out.print(USAGE.formatted(Pipeline.DEFAULT_MODEL));
            return argv.length == 0 ? 2 : 0;
        }
        String cmd = argv[0];
        String[] rest = java.util.Arrays.copyOfRange(argv, 1, argv.length);
        return switch (cmd) {
            case "generate" -> generate(rest, out, err);
            case "diagnostics" -> Diagnostics.run(out);
            case "bench" -> Bench.run(rest, out);
            case "export-onnx" -> ExportOnnx.run(rest, out);
            case "spark" -> SparkCommand.run(rest, out, err);
            case "download" -> DownloadCommand.run(rest, out, err);
            case "write-fullsize" -> FullSizeCommand.run(rest, out);
            case "serve" -> ServeCommand.run(rest, out, err);
            case "soak" -> SoakCommand.run(rest, out);
            default -> throw new CliException("unknown command '" + cmd + "' (try ./sprint --help)");
        };
    }

    /**
     * The pipeline options that {@code generate}, {@code serve} and {@code serve-bench} share: model (when given),
     * backend, device, precision, threads, ControlNet, SwD, components.
     */
    static Pipeline.Builder pipelineBuilder(Args a, PrintStream err) {
        Pipeline.Builder pb = Pipeline.builder();
        String model = a.get("model");
        if (model != null) pb.model(model);
        String backend = a.get("backend");
        if (backend != null) pb.backend(backend);
        String device = a.get("device");
        if (device != null) pb.device(device).requireDevice(!device.equals("auto"));
        Precision precision = precision(a);
        if (precision != null) pb.precision(precision);
        Integer threads = a.getInt("threads");
        if (threads != null) pb.threads(threads);
        String controlNet = a.get("controlnet");
        if (controlNet != null) pb.with(ControlNet.of(controlNet));
        SwdSpec swd = swdSpec(a, err);
        if (swd != null) pb.with(swd);
        String components = a.get("components");
        if (components != null) pb.with(ComponentSource.of(components));
        for (String l : a.all("lora")) pb.with(lora(l));
        for (String kv : a.all("backend-option")) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new CliException("--backend-option takes KEY=VALUE, e.g. onnx.prepackWeights=false; got '" + kv + "'");
            pb.backendOption(kv.substring(0, eq).trim(), kv.substring(eq + 1).trim());
        }
        String memory = a.get("memory");
        if (memory != null) pb.memory(choice(MemoryMode.class, memory, "--memory"));
        String tiling = a.get("vae-tiling");
        if (tiling != null) pb.vaeTiling(choice(VaeTiling.class, tiling, "--vae-tiling"));
        String budget = a.get("memory-budget");
        if (budget != null) pb.with(MemoryBudget.of(gigabytes(budget)));
        String preview = a.get("preview-decoder");
        if (preview != null) pb.with(PreviewDecoder.parse(preview));
        return pb;
    }

    /**
     * {@code --lora SRC[:SCALE]}: the scale is what follows the last ':' when that is a number (so a Windows drive
     * letter or a repo id with a revision is left alone); default 1.
     */
    static Lora lora(String v) {
        String src = v.trim();
        double scale = 1.0;
        int colon = src.lastIndexOf(':');
        if (colon >= 0) {
            String tail = src.substring(colon + 1).trim();
            if (tail.isEmpty()) throw new CliException("--lora " + v + ": nothing after ':' (give SRC or SRC:SCALE, e.g. my-lora:0.8)");
            if (tail.matches("[-+]?[0-9.]+([eE][-+]?[0-9]+)?")) {
                try {
                    scale = Double.parseDouble(tail);
                } catch (NumberFormatException e) {
                    throw new CliException("--lora " + v + ": the scale '" + tail + "' is not a number");
                }
                src = src.substring(0, colon).trim();
            }
        }
        if (src.isEmpty()) throw new CliException("--lora " + v + ": no file, folder or repo id before ':'");
        return new Lora(src, scale);
    }

    /** An enum value by its name in lower case ({@code auto}, {@code low}, ...). */
    static <E extends Enum<E>> E choice(Class<E> type, String value, String option) {
        for (E e : type.getEnumConstants()) if (e.name().equalsIgnoreCase(value.trim())) return e;
        throw new CliException(option + " must be one of " + java.util.Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toList() + ", got '" + value + "'");
    }

    /** "8", "8g", "8GB", "7.5" → bytes (decimal gigabytes). */
    static long gigabytes(String v) {
        String t = v.trim().toLowerCase(Locale.ROOT).replaceAll("\\s*g(b)?$", "");
        try {
            double g = Double.parseDouble(t);
            if (!(g > 0) || g > 1e6) throw new NumberFormatException();
            return (long) (g * 1e9);
        } catch (NumberFormatException e) {
            throw new CliException("--memory-budget takes gigabytes, e.g. 8 or 7.5GB; got '" + v + "'");
        }
    }

    /** {@code --precision auto|float32|bfloat16|float16} (also bf16, fp32, fp16), or null when not given. */
    static Precision precision(Args a) {
        String precision = a.get("precision");
        if (precision == null) return null;
        return switch (precision.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> Precision.AUTO;
            case "float32", "fp32" -> Precision.FLOAT32;
            case "bfloat16", "bf16" -> Precision.BFLOAT16;
            case "float16", "fp16" -> Precision.FLOAT16;
            default -> throw new CliException("--precision must be auto, float32, bfloat16 or float16; got '" + precision + "'");
        };
    }

    static int generate(String[] argv, PrintStream out, PrintStream err) {
        Args a = new Args(argv, Set.of("no-binning", "no-instruction", "keep-case"));
        Pipeline.Builder pb = pipelineBuilder(a, err);

        GenerationRequest.Builder rb = GenerationRequest.builder();
        List<String> prompts = a.all("prompt");
        if (prompts.isEmpty()) throw new CliException("--prompt is required");
        rb.prompts(prompts);
        String negative = a.get("negative-prompt");
        if (negative != null) rb.negativePrompt(negative);
        Integer steps = a.getInt("steps");
        if (steps != null) rb.steps(steps);
        Long seed = a.getLong("seed");
        if (seed != null) rb.seed(seed); // else the pipeline's seed rule draws one (reported with the result)
        Integer w = a.getInt("width");
        Integer h = a.getInt("height");
        if (w != null) rb.width(w);
        if (h != null) rb.height(h);
        Double g = a.getDouble("guidance");
        if (g != null) rb.guidanceScale(g);
        List<Double> ts = a.getDoubles("timesteps");
        if (ts != null) rb.timesteps(ts);
        Double maxT = a.getDouble("max-timestep");
        if (maxT != null) rb.maxTimestep(maxT);
        Double midT = a.getDouble("intermediate-timestep");
        if (midT != null) rb.intermediateTimestep(midT);
        Integer n = a.getInt("images-per-prompt");
        if (n != null) rb.imagesPerPrompt(n);
        Integer maxLen = a.getInt("max-sequence-length");
        if (maxLen != null) rb.maxSequenceLength(maxLen);
        if (a.flag("no-binning")) rb.resolutionBinning(false);
        if (a.flag("no-instruction")) rb.instruction(List.of());
        if (a.flag("keep-case")) rb.normalizePrompt(false);
        String image = a.get("image");
        Double strength = a.getDouble("strength");
        if (image != null) {
            rb.image(readImage(image));
            rb.strength(strength != null ? strength : 0.6);
        } else if (strength != null) {
            throw new CliException("--strength needs --image");
        }
        String control = a.get("control-image");
        Double controlScale = a.getDouble("control-scale");
        if (control != null) {
            rb.with(new ControlImage(readImage(control), controlScale));
        } else if (controlScale != null) {
            throw new CliException("--control-scale needs --control-image");
        }
        String output = a.get("output");
        if (output == null) output = "out.png";
        Integer previews = a.getInt("previews");
        if (previews != null) rb.previews(ServeCommand.positive(previews, "--previews"));
        a.rejectUnknown();

        GenerationRequest request = rb.build();
        String out0 = output;
        try (Pipeline p = pb.build()) {
            err.println("loaded " + p.describe());
            GenerationResult r = p.generate(request, new GenerationListener() {
                @Override
                public void onStep(StepEvent e) {
                    err.printf(Locale.ROOT, "step %d/%d  t=%.5f  %.0f ms%n", e.step() + 1, e.steps(), e.timestep(), e.elapsedMs());
                }

                @Override
                public void onPreview(PreviewEvent e) {
                    List<Path> files = previewFiles(out0, e.images().size(), e.step());
                    for (int i = 0; i < files.size(); i++) {
                        try {
                            ImageIO.write(e.images().get(i), "png", files.get(i).toFile());
                        } catch (IOException x) {
                            throw new CliException("cannot write " + files.get(i) + ": " + x.getMessage());
                        }
                        out.println(files.get(i) + "  preview of step " + (e.step() + 1) + "/" + e.steps());
                    }
                }
            }, new CancellationToken());
            List<Path> files = outputFiles(output, r.images().size());
            for (int i = 0; i < files.size(); i++) {
                GeneratedImage img = r.images().get(i);
                img.writePng(files.get(i));
                out.println(files.get(i) + "  " + img.width() + "x" + img.height() + "  seed " + r.seed());
            }
            err.println("timings (ms): " + r.timingsMs());
        }
        return 0;
    }

    /** The SwD settings of --swd-weights / --swd-preset / --scales + --sigmas, or null. */
    static SwdSpec swdSpec(Args a, PrintStream err) {
        String weights = a.get("swd-weights");
        String preset = a.get("swd-preset");
        String scales = a.get("scales");
        String sigmas = a.get("sigmas");
        if (scales != null || sigmas != null) {
            if (scales == null || sigmas == null) throw new CliException("--scales and --sigmas go together");
            if (preset != null) throw new CliException("give either --swd-preset or --scales/--sigmas, not both");
            if (weights == null) throw new CliException("a custom SwD table needs --swd-weights DIR (the adapter trained for it)");
            return new SwdConfig(weights, ScaleSchedule.parse(scales, sigmas));
        }
        if (preset != null) {
            SwdPreset p = SwdPreset.parse(preset);
            return weights == null ? p : new SwdConfig(weights, p.schedule());
        }
        if (weights != null) {
            err.println("SwD table: medium-6-steps (default; pick another with --swd-preset or --scales/--sigmas)");
            return new SwdConfig(weights, SwdPreset.MEDIUM_6_STEPS.schedule());
        }
        return null;
    }

    /** out.png → [out.png] for one image, [out-0.png, out-1.png, ...] for several. */
    static List<Path> outputFiles(String output, int count) {
        if (count == 1) return List.of(Path.of(output));
        String base = output.toLowerCase(Locale.ROOT).endsWith(".png") ? output.substring(0, output.length() - 4) : output;
        List<Path> files = new ArrayList<>();
        for (int i = 0; i < count; i++) files.add(Path.of(base + "-" + i + ".png"));
        return files;
    }

    /** The preview files of step {@code step}: out.png → out-stepK.png, a batch out-0-stepK.png, ... (K 1-based). */
    static List<Path> previewFiles(String output, int count, int step) {
        List<Path> files = new ArrayList<>();
        for (Path p : outputFiles(output, count)) {
            String s = p.toString();
            String base = s.toLowerCase(Locale.ROOT).endsWith(".png") ? s.substring(0, s.length() - 4) : s;
            files.add(Path.of(base + "-step" + (step + 1) + ".png"));
        }
        return files;
    }

    static BufferedImage readImage(String file) {
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) throw new CliException("image file " + file + " does not exist");
        try {
            BufferedImage img = ImageIO.read(p.toFile());
            if (img == null) throw new CliException(file + " is not an image format Java can read (PNG, JPEG, BMP, GIF)");
            return img;
        } catch (IOException e) {
            throw new CliException("cannot read " + file + ": " + e.getMessage());
        }
    }

    static void printMap(PrintStream out, Map<String, ?> m) {
        m.forEach((k, v) -> out.println("  " + k + ": " + v));
    }
}
