package dev.sprint.core.dcae;

import dev.sprint.core.io.Checkpoints;
import dev.sprint.core.io.Config;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Activation;
import dev.sprint.core.nn.Conv2d;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.RMSNorm;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.ResizeMode;
import dev.sprint.core.tensor.Scope;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code AutoencoderDC} (Deep Compression Autoencoder, as SANA uses it): ResBlocks and
 * EfficientViT blocks (multi-scale ReLU linear attention + GLUMBConv), strided-conv downsampling and
 * nearest-interpolation upsampling with pixel-(un)shuffle shortcuts, channel-wise RMSNorms with bias.
 * Class and field names follow the checkpoint's weight names.
 */
public final class AutoencoderDC implements AutoCloseable {
    private final AutoencoderDCConfig config;
    private final TensorBackend backend;
    private final WeightSource source;
    public final Encoder encoder;
    public final Decoder decoder;

    public AutoencoderDC(AutoencoderDCConfig config, Weights w, WeightSource owned) {
        this.config = config;
        this.backend = w.backend();
        this.source = owned;
        encoder = w.hasPrefix("encoder") ? new Encoder(config, w.sub("encoder")) : null;
        decoder = new Decoder(config, w.sub("decoder"));
        w.requireAllUsed();
    }

    /** Loads {@code vae/} (config.json + safetensors). */
    public static AutoencoderDC load(Path dir, TensorBackend backend) {
        AutoencoderDCConfig cfg = AutoencoderDCConfig.from(Config.read(dir.resolve("config.json")));
        WeightSource src = Checkpoints.open(dir);
        try {
            return new AutoencoderDC(cfg, new Weights(src, backend), src);
        } catch (RuntimeException e) {
            src.close();
            throw e;
        }
    }

    public AutoencoderDCConfig config() {
        return config;
    }

    /** Latent (B, C, h, w) → image (B, 3, 32h, 32w) in ≈[−1, 1]. */
    public Tensor decode(Tensor latent) {
        return backend.call("dcae_decoder", List.of(latent), in -> {
            try (Scope s = backend.newScope()) {
                return List.of(s.keep(decoder.forward(in.get(0))));
            }
        }).get(0);
    }

    /** Image (B, 3, H, W) in [−1, 1] → latent (B, C, H/32, W/32), unscaled (diffusers' {@code .latent}). */
    public Tensor encode(Tensor image) {
        if (encoder == null) throw new dev.sprint.api.ModelLoadException("this AutoencoderDC checkpoint has no encoder weights");
        return backend.call("dcae_encoder", List.of(image), in -> {
            try (Scope s = backend.newScope()) {
                return List.of(s.keep(encoder.forward(in.get(0))));
            }
        }).get(0);
    }

    @Override
    public void close() {
        if (source != null) source.close();
    }

    // ---- building blocks --------------------------------------------------------------------------

    /** A block of a stage: ResBlock, EfficientViTBlock, or a down/up-sampling block. */
    interface Block {
        Tensor forward(Tensor x);
    }

    /** RMSNorm over channels of an NCHW tensor (moves channels last and back). */
    static Tensor channelNorm(RMSNorm norm, Tensor x) {
        return norm.forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2);
    }

    /** A Linear applied over channels of an NCHW tensor. */
    static Tensor channelLinear(Linear l, Tensor x) {
        return l.forward(x.permute(0, 2, 3, 1)).permute(0, 3, 1, 2);
    }

    /** (B, C, H, W) → (B, C·r, H, W), each channel repeated r times in a row ({@code repeat_interleave}). */
    static Tensor repeatInterleave(Tensor x, int r) {
        if (r == 1) return x;
        long[] s = x.shape();
        Tensor e = x.reshape(s[0], s[1], 1, s[2], s[3]);
        e = x.backend().broadcastTo(e, s[0], s[1], r, s[2], s[3]);
        return e.reshape(s[0], s[1] * r, s[2], s[3]);
    }

    /** (B, C·g, H, W) → (B, C, H, W), the mean of each group of g consecutive channels. */
    static Tensor groupMean(Tensor x, int g) {
        if (g == 1) return x;
        long[] s = x.shape();
        return x.backend().mean(x.reshape(s[0], s[1] / g, g, s[2], s[3]), 2, false);
    }

    /** {@code ResBlock}: conv3×3 → act → conv3×3 (no bias) → channel RMSNorm, plus the input. */
    public static final class ResBlock implements Block {
        public final Conv2d conv1;
        public final Conv2d conv2;
        public final RMSNorm norm;
        private final Activation act;

        ResBlock(Weights w, int in, int out, String act) {
            conv1 = new Conv2d(w.sub("conv1"), in, in, 3, 1, 1, 1, true);
            conv2 = new Conv2d(w.sub("conv2"), in, out, 3, 1, 1, 1, false);
            norm = new RMSNorm(w.sub("norm"), out, 1e-5, true);
            this.act = Activation.of(act);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = conv2.forward(act.apply(conv1.forward(x)));
            return channelNorm(norm, h).add(x);
        }
    }

    /** {@code EfficientViTBlock}: multi-scale ReLU linear attention, then GLUMBConv; both residual. */
    public static final class EfficientViTBlock implements Block {
        public final Linear toQ;
        public final Linear toK;
        public final Linear toV;
        public final List<Conv2d[]> toQkvMultiscale = new ArrayList<>();
        public final Linear toOut;
        public final RMSNorm normOut;
        public final Conv2d convInverted;
        public final Conv2d convDepth;
        public final Conv2d convPoint;
        public final RMSNorm convNorm;
        private final int headDim;

        EfficientViTBlock(Weights w, int channels, int headDim, int[] scales) {
            this.headDim = headDim;
            int heads = channels / headDim;
            int inner = heads * headDim;
            Weights a = w.sub("attn");
            toQ = new Linear(a.sub("to_q"), channels, inner, false);
            toK = new Linear(a.sub("to_k"), channels, inner, false);
            toV = new Linear(a.sub("to_v"), channels, inner, false);
            for (int i = 0; i < scales.length; i++) {
                Weights m = a.sub("to_qkv_multiscale").sub(i);
                int k = scales[i];
                toQkvMultiscale.add(new Conv2d[] {
                    new Conv2d(m.sub("proj_in"), 3L * inner, 3L * inner, k, 1, k / 2, 3 * inner, false),
                    new Conv2d(m.sub("proj_out"), 3L * inner, 3L * inner, 1, 1, 0, 3 * heads, false)});
            }
            toOut = new Linear(a.sub("to_out"), (long) inner * (1 + scales.length), channels, false);
            normOut = new RMSNorm(a.sub("norm_out"), channels, 1e-5, true);
            Weights f = w.sub("conv_out");
            int hidden = 4 * channels;
            convInverted = new Conv2d(f.sub("conv_inverted"), channels, 2L * hidden, 1, 1, 0, 1, true);
            convDepth = new Conv2d(f.sub("conv_depth"), 2L * hidden, 2L * hidden, 3, 1, 1, 2 * hidden, true);
            convPoint = new Conv2d(f.sub("conv_point"), hidden, channels, 1, 1, 0, 1, false);
            convNorm = new RMSNorm(f.sub("norm"), channels, 1e-5, true);
        }

        @Override
        public Tensor forward(Tensor x) {
            return glumbConv(attention(x));
        }

        private Tensor attention(Tensor x) {
            TensorBackend be = x.backend();
            long b = x.size(0);
            long h = x.size(2);
            long w = x.size(3);
            long hw = h * w;
            Tensor qkv = be.concat(List.of(channelLinear(toQ, x), channelLinear(toK, x), channelLinear(toV, x)), 1);
            List<Tensor> branches = new ArrayList<>();
            branches.add(qkv);
            for (Conv2d[] m : toQkvMultiscale) branches.add(m[1].forward(m[0].forward(qkv)));
            Tensor all = be.concat(branches, 1);
            // heads are contiguous chunks of 3·head_dim channels, each [q | k | v]
            Tensor t = all.reshape(b, -1, 3L * headDim, hw);
            List<Tensor> parts = be.chunk(t, 3, 2);
            Tensor q = be.relu(parts.get(0));
            Tensor k = be.relu(parts.get(1));
            Tensor v = parts.get(2);
            Tensor out;
            if (hw > headDim) { // linear attention, with V padded by a row of ones as the normaliser
                Tensor vp = be.pad(v, new long[] {0, 0, 0, 1}, 1.0);
                Tensor o = vp.matmul(k.transpose(-1, -2)).matmul(q);          // (B, heads, hd+1, HW)
                out = o.slice(2, 0, headDim).div(o.slice(2, headDim, headDim + 1).add(1e-15));
            } else { // quadratic attention: scores = kᵀq normalised over keys
                Tensor scores = k.transpose(-1, -2).matmul(q);                 // (B, heads, HW, HW)
                scores = scores.div(be.sum(scores, 2, true).add(1e-15));
                out = v.matmul(scores);
            }
            out = out.reshape(b, -1, h, w);
            out = channelNorm(normOut, channelLinear(toOut, out));
            return out.add(x);
        }

        private Tensor glumbConv(Tensor x) {
            TensorBackend be = x.backend();
            Tensor y = be.silu(convInverted.forward(x));
            List<Tensor> g = be.chunk(convDepth.forward(y), 2, 1);
            y = convPoint.forward(g.get(0).mul(be.silu(g.get(1))));
            return channelNorm(convNorm, y).add(x);
        }
    }

    /** {@code DCDownBlock2d} with a stride-2 conv ("Conv" downsampling) and the pixel-unshuffle mean shortcut. */
    public static final class DownBlock implements Block {
        public final Conv2d conv;
        private final int groupSize;
        private final boolean unshuffle;

        DownBlock(Weights w, int in, int out, boolean pixelUnshuffle) {
            unshuffle = pixelUnshuffle;
            conv = pixelUnshuffle ? new Conv2d(w.sub("conv"), in, out / 4, 3, 1, 1, 1, true)
                    : new Conv2d(w.sub("conv"), in, out, 3, 2, 1, 1, true);
            groupSize = in * 4 / out;
        }

        @Override
        public Tensor forward(Tensor x) {
            TensorBackend be = x.backend();
            Tensor y = conv.forward(x);
            if (unshuffle) y = be.pixelUnshuffle(y, 2);
            return y.add(groupMean(be.pixelUnshuffle(x, 2), groupSize));
        }
    }

    /** {@code DCUpBlock2d}: nearest ×2 + conv (or conv + pixel shuffle), plus the repeat/pixel-shuffle shortcut. */
    public static final class UpBlock implements Block {
        public final Conv2d conv;
        private final int repeats;
        private final boolean interpolate;

        UpBlock(Weights w, int in, int out, boolean interpolate) {
            this.interpolate = interpolate;
            conv = new Conv2d(w.sub("conv"), in, interpolate ? out : out * 4L, 3, 1, 1, 1, true);
            repeats = out * 4 / in;
        }

        @Override
        public Tensor forward(Tensor x) {
            TensorBackend be = x.backend();
            Tensor y;
            if (interpolate) {
                y = conv.forward(be.interpolate(x, (int) x.size(2) * 2, (int) x.size(3) * 2, ResizeMode.NEAREST, false));
            } else {
                y = be.pixelShuffle(conv.forward(x), 2);
            }
            return y.add(be.pixelShuffle(repeatInterleave(x, repeats), 2));
        }
    }

    static Block block(String type, Weights w, int channels, AutoencoderDCConfig c, String act, int[] scales) {
        return switch (type) {
            case "ResBlock" -> new ResBlock(w, channels, channels, act);
            case "EfficientViTBlock" -> new EfficientViTBlock(w, channels, c.attentionHeadDim(), scales);
            default -> throw new dev.sprint.api.UnsupportedModelException("AutoencoderDC block type '" + type + "' is not supported");
        };
    }

    /** The encoder: conv_in, stages (blocks then a down block), conv_out with the channel-mean shortcut. */
    public static final class Encoder {
        public final Conv2d convIn;
        public final List<List<Block>> downBlocks = new ArrayList<>();
        public final Conv2d convOut;
        private final int outGroup;

        Encoder(AutoencoderDCConfig c, Weights w) {
            int[] ch = c.encoderBlockOutChannels();
            convIn = new Conv2d(w.sub("conv_in"), c.inChannels(), ch[0], 3, 1, 1, 1, true);
            for (int i = 0; i < ch.length; i++) {
                Weights st = w.sub("down_blocks").sub(i);
                List<Block> blocks = new ArrayList<>();
                int j = 0;
                for (; j < c.encoderLayersPerBlock()[i]; j++) {
                    blocks.add(block(c.encoderBlockTypes().get(i), st.sub(j), ch[i], c, "silu", c.encoderQkvMultiscales().get(i)));
                }
                if (i < ch.length - 1) {
                    blocks.add(new DownBlock(st.sub(j), ch[i], ch[i + 1], c.downsampleBlockType().equals("pixel_unshuffle")));
                }
                downBlocks.add(blocks);
            }
            convOut = new Conv2d(w.sub("conv_out"), ch[ch.length - 1], c.latentChannels(), 3, 1, 1, 1, true);
            outGroup = c.encoderOutShortcut() ? ch[ch.length - 1] / c.latentChannels() : 0;
        }

        Tensor forward(Tensor x) {
            Tensor h = convIn.forward(x);
            for (List<Block> stage : downBlocks) for (Block b : stage) h = b.forward(h);
            Tensor out = convOut.forward(h);
            return outGroup > 0 ? out.add(groupMean(h, outGroup)) : out;
        }
    }

    /** The decoder: conv_in with the repeat shortcut, stages (an up block then blocks), RMSNorm, act, conv_out. */
    public static final class Decoder {
        public final Conv2d convIn;
        public final List<List<Block>> upBlocks = new ArrayList<>();
        public final RMSNorm normOut;
        public final Conv2d convOut;
        private final int inRepeats;
        private final Activation convAct;

        Decoder(AutoencoderDCConfig c, Weights w) {
            int[] ch = c.decoderBlockOutChannels();
            int n = ch.length;
            convIn = new Conv2d(w.sub("conv_in"), c.latentChannels(), ch[n - 1], 3, 1, 1, 1, true);
            inRepeats = c.decoderInShortcut() ? ch[n - 1] / c.latentChannels() : 0;
            for (int i = 0; i < n; i++) {
                Weights st = w.sub("up_blocks").sub(i);
                List<Block> blocks = new ArrayList<>();
                int j = 0;
                if (i < n - 1) {
                    blocks.add(new UpBlock(st.sub(j++), ch[i + 1], ch[i], c.upsampleBlockType().equals("interpolate")));
                }
                for (int k = 0; k < c.decoderLayersPerBlock()[i]; k++, j++) {
                    blocks.add(block(c.decoderBlockTypes().get(i), st.sub(j), ch[i], c, c.decoderActFns().get(i),
                            c.decoderQkvMultiscales().get(i)));
                }
                upBlocks.add(blocks);
            }
            normOut = new RMSNorm(w.sub("norm_out"), ch[0], 1e-5, true);
            convAct = Activation.of(c.decoderConvActFn());
            convOut = new Conv2d(w.sub("conv_out"), ch[0], c.inChannels(), 3, 1, 1, 1, true);
        }

        Tensor forward(Tensor z) {
            Tensor h = convIn.forward(z);
            if (inRepeats > 0) h = h.add(repeatInterleave(z, inRepeats));
            for (int i = upBlocks.size() - 1; i >= 0; i--) {
                for (Block b : upBlocks.get(i)) h = b.forward(h);
            }
            h = convAct.apply(channelNorm(normOut, h));
            return convOut.forward(h);
        }
    }
}
