package dev.sprint.examples;

import dev.sprint.api.spi.BackendOptions;
import dev.sprint.backend.onnx.OnnxBackend;
import dev.sprint.backend.onnx.OnnxBackendProvider;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.gemma.Gemma2Model;
import dev.sprint.core.io.ModelFolder;
import dev.sprint.core.sana.SanaTransformer2DModel;
import dev.sprint.core.tensor.HostTensor;
import dev.sprint.core.tensor.Tensor;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code ./sprint export-onnx}: traces one SANA-Sprint component at a fixed size with the ONNX backend
 * and writes {@code <component>.onnx} plus {@code <component>.weights} (external data) that any ONNX
 * Runtime can load. Graph inputs and outputs are named; shapes are fixed to the export size.
 */
final class ExportOnnx {
    static final String USAGE = """
            Usage: ./sprint export-onnx --model DIR --component transformer|vae_decoder|vae_encoder|text_encoder
                                        [--width W --height H] [--tokens L] [--output DIR]
              transformer  inputs hidden_states (1,C,H/32,W/32), encoder_hidden_states (1,L,caption), timestep (1),
                           [guidance (1), already x guidance_embeds_scale], encoder_bias (1,1,1,L) = (1-mask)*-10000;
                           output sample
              vae_decoder  input latent (1,C,H/32,W/32) -> sample (1,3,H,W)
              vae_encoder  input image (1,3,H,W) in [-1,1] -> latent
              text_encoder inputs inputs_embeds (1,L,hidden) (Gemma embedding rows, looked up on the host), global_mask and sliding_mask (1,1,L,L) additive,
                           rope_cos and rope_sin (L,head_dim) -> last_hidden_state
            """;

    private ExportOnnx() {}

    static int run(String[] argv, PrintStream out) {
        if (java.util.Arrays.asList(argv).contains("--help")) {
            out.print(USAGE);
            return 0;
        }
        Args a = new Args(argv, Set.of());
        ModelFolder folder = ModelFolder.open(Path.of(a.require("model")));
        String component = a.require("component");
        int width = a.getInt("width") == null ? 1024 : a.getInt("width");
        int height = a.getInt("height") == null ? 1024 : a.getInt("height");
        int tokens = a.getInt("tokens") == null ? 300 : a.getInt("tokens");
        Path dir = Path.of(a.get("output") == null ? "onnx-export" : a.get("output"));
        a.rejectUnknown();
        if (width % 32 != 0 || height % 32 != 0) throw new CliException("--width and --height must be multiples of 32");
        try (OnnxBackend be = (OnnxBackend) new OnnxBackendProvider().open(new BackendOptions("cpu", true, null, 0, null))) {
            int h = height / 32;
            int w = width / 32;
            Path file = switch (component) {
                case "transformer" -> {
                    SanaTransformer2DModel m = SanaTransformer2DModel.load(folder.component("transformer"), be);
                    var c = m.config();
                    List<HostTensor> in = new java.util.ArrayList<>(List.of(
                            zeros(1, c.inChannels(), h, w), zeros(1, tokens, c.captionChannels()), zeros(1)));
                    List<String> names = new java.util.ArrayList<>(List.of("hidden_states", "encoder_hidden_states", "timestep"));
                    if (c.guidanceEmbeds()) {
                        in.add(zeros(1));
                        names.add("guidance");
                    }
                    in.add(zeros(1, 1, 1, tokens));
                    names.add("encoder_bias");
                    boolean g = c.guidanceEmbeds();
                    yield be.export("transformer", in, names, List.of("sample"), t -> List.of(m.forwardGraph(t.get(0), t.get(1),
                            t.get(2), g ? t.get(3) : null, t.get(g ? 4 : 3), List.of())), dir);
                }
                case "vae_decoder", "vae_encoder" -> {
                    AutoencoderDC m = AutoencoderDC.load(folder.component("vae"), be);
                    int lc = m.config().latentChannels();
                    yield component.equals("vae_decoder")
                            ? be.export("vae_decoder", List.of(zeros(1, lc, h, w)), List.of("latent"), List.of("sample"),
                                    t -> List.of(m.decode(t.get(0))), dir)
                            : be.export("vae_encoder", List.of(zeros(1, 3, height, width)), List.of("image"), List.of("latent"),
                                    t -> List.of(m.encode(t.get(0))), dir);
                }
                case "text_encoder" -> {
                    Gemma2Model m = Gemma2Model.load(folder.component("text_encoder"), be);
                    int hd = m.config().headDim();
                    // the token embedding is looked up on the host (Embedding.lookup), so the graph starts at inputs_embeds
                    yield be.export("text_encoder", List.of(zeros(1, tokens, m.config().hiddenSize()), zeros(1, 1, tokens, tokens),
                                    zeros(1, 1, tokens, tokens), zeros(tokens, hd), zeros(tokens, hd)),
                            List.of("inputs_embeds", "global_mask", "sliding_mask", "rope_cos", "rope_sin"), List.of("last_hidden_state"),
                            t -> List.of(m.forwardGraph(t.get(0), t.get(1), t.get(2), t.get(3), t.get(4))), dir);
                }
                default -> throw new CliException("--component must be transformer, vae_decoder, vae_encoder or text_encoder");
            };
            out.println("wrote " + file + " (+ " + file.getFileName().toString().replace(".onnx", ".weights") + ")");
        }
        return 0;
    }

    private static HostTensor zeros(long... shape) {
        return HostTensor.ofFloats(new float[(int) HostTensor.numel(shape)], shape);
    }
}
