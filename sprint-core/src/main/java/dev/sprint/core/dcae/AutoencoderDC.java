package dev.sprint.core.dcae;

import dev.sprint.core.io.WeightSource;
import dev.sprint.core.image.TiledDecode;
import dev.sprint.core.nn.Activation;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.nn.Conv2d;
import dev.sprint.core.nn.GLUMBConv;
import dev.sprint.core.nn.RMSNorm;
import dev.sprint.core.nn.Model;
import dev.sprint.core.nn.ModelLoader;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.plan.MetaBackend;
import dev.sprint.core.tensor.Arena;
import dev.sprint.core.tensor.DType;
import dev.sprint.core.tensor.HostTensor;

import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import dev.sprint.core.tensor.UnaryOp;
import static dev.sprint.core.tensor.Tensors.free;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code AutoencoderDC} (Deep Compression Autoencoder, as SANA uses it): ResBlocks and
 * EfficientViT blocks (multi-scale ReLU linear attention + GLUMBConv), strided-conv downsampling and
 * nearest-interpolation upsampling with pixel-(un)shuffle shortcuts, channel-wise RMSNorms with bias.
 * Class and field names follow the checkpoint's weight names; where weights are fused at load for speed
 * (stacked q/k/v, the nearest-×2 + conv3×3 upsampling folded into per-phase 2×2 kernels) the field's Javadoc
 * names the tensors it holds.
 */
public final class AutoencoderDC extends Model<AutoencoderDCConfig> {
    private final Weights encoderWeights;
    private Encoder encoder;
    private Arena encoderArena;
    private final Decoder decoder;

    /**
     * Builds the decoder. The encoder is only checked here (its tensors and shapes, without uploading them) and
     * built by the first {@link #encode}: text-to-image never needs its 0.6 GB (SANA's f32c32).
     */
    public AutoencoderDC(AutoencoderDCConfig config, Weights w, WeightSource owned) {
        super(config, w, owned);
        encoderWeights = w.sub("encoder");
        new Encoder(config, encoderWeights.on(new MetaBackend(w.backend().floatType())));
        decoder = new Decoder(config, w.sub("decoder"));
    }

    /** Loads {@code vae/} (config.json + safetensors). */
    public static AutoencoderDC load(Path dir, TensorBackend backend) {
        return ModelLoader.load(dir, backend, AutoencoderDCConfig::from, AutoencoderDC::new);
    }

    /**
     * Latent (B, C, h, w) → image (B, 3, f·h, f·w) in ≈[−1, 1] (f = the spatial compression, 32 for SANA), with a
     * {@link Cancellation} check before each decoder block.
     */
    public Tensor decode(Tensor latent) {
        return decode(latent, Cancellation::check);
    }

    /**
     * {@link #decode(Tensor)} calling {@code betweenBlocks} before each decoder block (eager backends; a
     * cancellation check). Each block runs in its own scope and frees its intermediates as soon as they are
     * dead, so a 1024² decode holds a few activations of the top stage at a time, not all of them.
     */
    public Tensor decode(Tensor latent, Runnable betweenBlocks) {
        return call("dcae_decoder", latent, z -> decoder.forward(z, betweenBlocks));
    }

    /**
     * Tiled decoding (diffusers' {@code enable_tiling()}; {@link TiledDecode#autoencoderDc} gives its default
     * 512-pixel tiles every 448 pixels): memory bounded by one tile whatever the image size, pixels near tile
     * borders slightly different from {@link #decode(Tensor)}. A latent that fits one tile is decoded untiled.
     */
    public Tensor decodeTiled(Tensor latent, TiledDecode tiling, Runnable betweenTiles) {
        if (!tiling.tiles(latent.size(2), latent.size(3))) return decode(latent, betweenTiles);
        return tiling.decode(latent, this::decode, betweenTiles);
    }

    /** Image (B, 3, H, W) in [−1, 1] → latent (B, C, H/32, W/32), unscaled (diffusers' {@code .latent}). */
    public Tensor encode(Tensor image) {
        synchronized (this) {
            if (encoder == null) {
                Arena a = backend().newArena();
                try {
                    encoder = a.build(() -> new Encoder(config(), encoderWeights));
                } catch (RuntimeException | Error e) {
                    a.close();
                    throw e;
                }
                encoderArena = a;
            }
        }
        return call("dcae_encoder", image, encoder::forward);
    }

    /** Frees the encoder's weights (if it was built) and releases the checkpoint. */
    @Override
    public void close() {
        synchronized (this) {
            if (encoderArena != null) encoderArena.close();
            encoderArena = null;
            encoder = null;
        }
        super.close();
    }

    // ---- building blocks --------------------------------------------------------------------------

    /**
     * A block of a stage: ResBlock, EfficientViTBlock, or a down/up-sampling block. The input is dead once the block
     * has run ({@link dev.sprint.core.tensor.Tensors#step}), so a residual block adds its branch into it.
     */
    interface Block {
        Tensor forward(Tensor x);
    }

    /** RMSNorm over channels of an NCHW tensor (moves channels last and back; the permutes are views). */
    static Tensor channelNorm(RMSNorm norm, Tensor x) {
        Tensor last = x.permute(0, 2, 3, 1);
        Tensor y = free(norm.forward(last), last);
        return free(y.permute(0, 3, 1, 2), y);
    }

    /**
     * {@code x + channelNorm(norm, h)} into the residual stream {@code x}, which is dead afterwards: how every block
     * ends, in one backend call (under bf16 compute a float32 stream, see {@code Decoder.computeTypeStream}, takes
     * the norm's bf16 output in float32).
     */
    static Tensor addChannelNorm(Tensor x, RMSNorm norm, Tensor h) {
        Tensor xl = x.permute(0, 2, 3, 1);
        Tensor hl = h.permute(0, 2, 3, 1);
        Tensor y = free(norm.addTo(xl, hl), hl);
        if (y == xl) return free(x, xl); // summed in place: x holds the result
        return free(y.permute(0, 3, 1, 2), y);
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

    /**
     * Stacks the (rows, cols) matrices {@code names} under {@code w} into one (n·rows, cols) weight, on the
     * host, so the backend holds the fused matrix only (not the parts as well).
     */
    static Tensor stackRows(Weights w, long cols, long rows, String... names) {
        HostTensor[] parts = new HostTensor[names.length];
        boolean sameType = true;
        for (int i = 0; i < names.length; i++) {
            parts[i] = w.host(names[i], rows, cols);
            sameType &= parts[i].dtype() == parts[0].dtype();
        }
        long[] shape = {rows * names.length, cols};
        if (sameType) { // row-major: stacking rows is concatenating bytes
            int bytes = 0;
            for (HostTensor p : parts) bytes += p.data().remaining();
            ByteBuffer out = ByteBuffer.allocateDirect(bytes).order(ByteOrder.LITTLE_ENDIAN);
            for (HostTensor p : parts) out.put(p.data().duplicate());
            out.flip();
            return w.backend().weight(new HostTensor(parts[0].dtype(), shape, out));
        }
        float[] all = new float[(int) (shape[0] * cols)];
        int off = 0;
        for (HostTensor p : parts) {
            float[] f = p.toFloats();
            System.arraycopy(f, 0, all, off, f.length);
            off += f.length;
        }
        return w.backend().weight(HostTensor.ofFloats(all, shape));
    }

    /** {@code ResBlock}: conv3×3 → act → conv3×3 (no bias) → channel RMSNorm, plus the input. */
    public static final class ResBlock implements Block {
        private final Conv2d conv1;
        private final Conv2d conv2;
        private final RMSNorm norm;
        private final Activation act;

        ResBlock(Weights w, int in, int out, String act) {
            conv1 = new Conv2d(w.sub("conv1"), in, in, 3, 1, 1, 1, true);
            conv2 = new Conv2d(w.sub("conv2"), in, out, 3, 1, 1, 1, false);
            norm = new RMSNorm(w.sub("norm"), out, 1e-5, true, true);
            this.act = Activation.of(act);
        }

        @Override
        public Tensor forward(Tensor x) {
            Tensor h = conv1.forward(x);
            Tensor a = act.applyInPlace(h);
            h = free(conv2.forward(a), a);
            return free(addChannelNorm(x, norm, h), h);
        }
    }

    /** {@code EfficientViTBlock}: multi-scale ReLU linear attention, then GLUMBConv; both residual. */
    public static final class EfficientViTBlock implements Block {
        /**
         * {@code attn.to_q}, {@code to_k} and {@code to_v} stacked row-wise into one (3·inner, C) matrix:
         * the three are concatenated on channels right after, so one matmul yields {@code [q|k|v]}.
         */
        private final Tensor toQkv;
        private final List<MultiscaleProjection> toQkvMultiscale = new ArrayList<>();
        /** {@code attn.to_out.weight}, (C, inner·(1 + scales)). */
        private final Tensor toOut;
        private final RMSNorm normOut;
        /** {@code conv_out}: GLUMBConv, then its channel norm and the residual. */
        private final GLUMBConv convOut;
        private final RMSNorm convNorm;
        private final int headDim;

        EfficientViTBlock(Weights w, int channels, int headDim, int[] scales) {
            this.headDim = headDim;
            int heads = channels / headDim;
            int inner = heads * headDim;
            Weights a = w.sub("attn");
            toQkv = stackRows(a, channels, inner, "to_q.weight", "to_k.weight", "to_v.weight");
            for (int i = 0; i < scales.length; i++) {
                Weights m = a.sub("to_qkv_multiscale").sub(i);
                toQkvMultiscale.add(new MultiscaleProjection(m, 3 * inner, 3 * heads, scales[i]));
            }
            toOut = a.take("to_out.weight", channels, (long) inner * (1 + scales.length));
            normOut = new RMSNorm(a.sub("norm_out"), channels, 1e-5, true, true);
            Weights f = w.sub("conv_out");
            int hidden = 4 * channels;
            convOut = new GLUMBConv(f, channels, hidden);
            convNorm = new RMSNorm(f.sub("norm"), channels, 1e-5, true, true);
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
            // as diffusers: the q/k/v linears over channels-last tokens, the result viewed back as NCHW (on a
            // channels-last backend both are views, and the convolutions and concatenation below stay channels-last)
            Tensor qkv = be.linear(x.permute(0, 2, 3, 1), toQkv, null).permute(0, 3, 1, 2);
            List<Tensor> branches = new ArrayList<>();
            branches.add(qkv);
            for (MultiscaleProjection m : toQkvMultiscale) branches.add(m.forward(qkv));
            Tensor all = branches.size() == 1 ? qkv : be.concat(branches, 1);
            DType dtype = all.dtype();
            boolean linear = hw > headDim;
            if (linear) all = toF32(all); // diffusers upcasts the linear branch to float32
            // heads are contiguous chunks of 3·head_dim channels, each [q | k | v]
            Tensor t = all.reshape(b, -1, 3L * headDim, hw);
            List<Tensor> parts = be.chunk(t, 3, 2);
            // all is this block's own (the cast, the concatenation or the projection made it): ReLU in place
            Tensor q = be.unaryInPlace(parts.get(0), UnaryOp.RELU);
            Tensor k = be.unaryInPlace(parts.get(1), UnaryOp.RELU);
            Tensor v = parts.get(2);
            Tensor out;
            if (linear) { // linear attention, with V padded by a row of ones as the normaliser
                // [V; 1]·Kᵀ = [V·Kᵀ; 1·Kᵀ]: the padded product from its two parts, so the (hd+1)×HW padded copy of V
                // (a transposing copy out of the channels-last activations) is never made
                Tensor kt = k.transpose(-1, -2);
                Tensor ones = be.full(1.0, v.dtype(), b, v.size(1), 1, hw);
                Tensor vk = be.concat(List.of(v.matmul(kt), ones.matmul(kt)), 2);    // (B, heads, hd+1, hd)
                Tensor o = vk.matmul(q);                                             // (B, heads, hd+1, HW)
                out = o.slice(2, 0, headDim).div(o.slice(2, headDim, headDim + 1).add(1e-15));
                if (dtype != DType.F32) out = be.cast(out, dtype);
            } else { // quadratic attention: scores = kᵀq normalised over keys (in float32)
                Tensor scores = toF32(k.transpose(-1, -2).matmul(q));          // (B, heads, HW, HW)
                scores = scores.div(be.sum(scores, 2, true).add(1e-15));
                out = v.matmul(dtype != DType.F32 ? be.cast(scores, dtype) : scores);
            }
            out = toOut.matmul(out.reshape(b, -1, hw)).reshape(b, -1, h, w);
            return addChannelNorm(x, normOut, out);
        }

        private static Tensor toF32(Tensor t) {
            return t.dtype() == DType.F32 ? t : t.backend().cast(t, DType.F32);
        }

        private Tensor glumbConv(Tensor x) {
            Tensor y = convOut.forward(x);
            return free(addChannelNorm(x, convNorm, y), y);
        }
    }

    /** {@code SanaMultiscaleAttentionProjection}: depthwise k×k conv, then a grouped 1×1 conv. */
    public static final class MultiscaleProjection {
        private final Conv2d projIn;
        private final Conv2d projOut;

        MultiscaleProjection(Weights w, int channels, int groups, int kernel) {
            projIn = new Conv2d(w.sub("proj_in"), channels, channels, kernel, 1, kernel / 2, channels, false);
            projOut = new Conv2d(w.sub("proj_out"), channels, channels, 1, 1, 0, groups, false);
        }

        Tensor forward(Tensor x) {
            Tensor y = projIn.forward(x);
            return free(projOut.forward(y), y);
        }
    }

    /** {@code DCDownBlock2d} with a stride-2 conv ("Conv" downsampling) and the pixel-unshuffle mean shortcut. */
    public static final class DownBlock implements Block {
        private final Conv2d conv;
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

    /**
     * {@code DCUpBlock2d}: nearest ×2 + conv3×3 (or conv + pixel shuffle), plus the repeat/pixel-shuffle
     * shortcut.
     *
     * <p>"interpolate" mode never materialises the upsampled input: a 3×3 conv over a nearest-×2 image is,
     * for each of the four output phases (py, px), a 2×2 conv over the low-resolution input whose taps are
     * sums of the 3×3 taps (for py = 0 the rows are {W0 | W1+W2} at offsets {−1, 0}; for py = 1 {W0+W1 | W2}
     * at {0, +1}; the same for columns). All four phases are one 2×2 conv with padding 1 and 4·out channels
     * (phase-major); phase (py, px) is its output window starting at (py, px). This is the same math with
     * 16/36 of the multiply-adds and no 4×-sized intermediate.
     */
    public static final class UpBlock implements Block {
        /** {@code conv} for "pixel_shuffle" mode; null in "interpolate" mode (see {@link #phaseWeight}). */
        private final Conv2d conv;
        /** "interpolate" mode: {@code conv.weight} (out, in, 3, 3) folded into (4·out, in, 2, 2), phase-major. */
        private final Tensor phaseWeight;
        /** "interpolate" mode: {@code conv.bias} repeated for the four phases. */
        private final Tensor phaseBias;
        private final int repeats;
        private final int out;

        UpBlock(Weights w, int in, int out, boolean interpolate) {
            this.out = out;
            repeats = out * 4 / in;
            if (interpolate) {
                conv = null;
                float[] k = w.host("conv.weight", out, in, 3, 3).toFloats();
                float[] b = w.host("conv.bias", out).toFloats();
                phaseWeight = w.backend().weight(HostTensor.ofFloats(foldNearest2x(k, out, in), 4L * out, in, 2, 2));
                float[] pb = new float[4 * out];
                for (int p = 0; p < 4; p++) System.arraycopy(b, 0, pb, p * out, out);
                phaseBias = w.backend().weight(HostTensor.ofFloats(pb, 4L * out));
            } else {
                conv = new Conv2d(w.sub("conv"), in, out * 4L, 3, 1, 1, 1, true);
                phaseWeight = null;
                phaseBias = null;
            }
        }

        /** Row (or column) tap sums per phase: phase 0 → {W0, W1+W2}, phase 1 → {W0+W1, W2}. */
        private static final int[][][] FOLD = {{{0}, {1, 2}}, {{0, 1}, {2}}};

        static float[] foldNearest2x(float[] k, int out, int in) {
            float[] f = new float[16 * out * in];
            for (int py = 0; py < 2; py++) {
                for (int px = 0; px < 2; px++) {
                    int phase = py * 2 + px;
                    for (int o = 0; o < out; o++) {
                        for (int i = 0; i < in; i++) {
                            int src = (o * in + i) * 9;
                            int dst = ((phase * out + o) * in + i) * 4;
                            for (int a = 0; a < 2; a++) {
                                for (int c = 0; c < 2; c++) {
                                    double sum = 0;
                                    for (int ky : FOLD[py][a]) for (int kx : FOLD[px][c]) sum += k[src + ky * 3 + kx];
                                    f[dst + a * 2 + c] = (float) sum;
                                }
                            }
                        }
                    }
                }
            }
            return f;
        }

        @Override
        public Tensor forward(Tensor x) {
            TensorBackend be = x.backend();
            if (conv != null) return be.pixelShuffle(conv.forward(x), 2).add(be.pixelShuffle(repeatInterleave(x, repeats), 2));
            Tensor o = be.conv2d(x, phaseWeight, phaseBias, new int[] {1, 1}, new int[] {1, 1}, new int[] {1, 1}, 1);
            return free(be.upsamplePhases(o, x, repeats), o);
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
        private final Conv2d convIn;
        private final List<List<Block>> downBlocks = new ArrayList<>();
        private final Conv2d convOut;
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
            for (List<Block> stage : downBlocks) {
                for (Block b : stage) {
                    Cancellation.check();
                    h = dev.sprint.core.tensor.Tensors.step(h, b::forward);
                }
            }
            Tensor out = convOut.forward(h);
            return outGroup > 0 ? out.add(groupMean(h, outGroup)) : out;
        }
    }

    /** The decoder: conv_in with the repeat shortcut, stages (an up block then blocks), RMSNorm, act, conv_out. */
    public static final class Decoder {
        private final Conv2d convIn;
        private final List<List<Block>> upBlocks = new ArrayList<>();
        private final RMSNorm normOut;
        private final Conv2d convOut;
        private final int inRepeats;
        private final Activation convAct;
        /**
         * Per stage: whether the residual stream enters it in the compute type. Under bf16 compute the decoder's
         * input, and so its stream, is float32; the stages of ResBlocks (the high-resolution ones, most of the
         * decoder's memory traffic) take it in bf16, as diffusers runs the whole decoder, while the attention stages
         * keep it in float32: there the ReLU linear attention's normaliser amplifies the stream's bf16 rounding (on
         * the tiny golden decoder a bf16 stream through them moved a 4-step image by up to 32 levels; through the
         * ResBlock stages, by 0.02 levels on average).
         */
        private final boolean[] computeTypeStream;

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
            computeTypeStream = new boolean[n];
            for (int i = 0; i < n; i++) computeTypeStream[i] = c.decoderBlockTypes().get(i).equals("ResBlock");
            normOut = new RMSNorm(w.sub("norm_out"), ch[0], 1e-5, true, true);
            convAct = Activation.of(c.decoderConvActFn());
            convOut = new Conv2d(w.sub("conv_out"), ch[0], c.inChannels(), 3, 1, 1, 1, true);
        }

        Tensor forward(Tensor z, Runnable betweenBlocks) {
            Tensor h = convIn.forward(z);
            if (inRepeats > 0) {
                Tensor rep = repeatInterleave(z, inRepeats);
                h = free(z.backend().addInPlace(h, rep), rep);
            }
            for (int i = upBlocks.size() - 1; i >= 0; i--) {
                DType compute = h.backend().floatType();
                if (computeTypeStream[i] && h.dtype() != compute) h = free(h.backend().cast(h, compute), h);
                for (Block b : upBlocks.get(i)) {
                    betweenBlocks.run();
                    h = dev.sprint.core.tensor.Tensors.step(h, b::forward);
                }
            }
            betweenBlocks.run();
            Tensor n = free(channelNorm(normOut, h), h);
            Tensor a = convAct.applyInPlace(n);
            return free(convOut.forward(a), a);
        }
    }
}
