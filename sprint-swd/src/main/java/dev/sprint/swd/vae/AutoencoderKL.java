package dev.sprint.swd.vae;

import dev.sprint.core.io.Config;
import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Cancellation;
import dev.sprint.core.nn.Conv2d;
import dev.sprint.core.nn.GroupNorm;
import dev.sprint.core.nn.Linear;
import dev.sprint.core.nn.Model;
import dev.sprint.core.nn.ModelLoader;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.ResizeMode;
import dev.sprint.core.image.TiledDecode;
import static dev.sprint.core.tensor.Tensors.free;
import static dev.sprint.core.tensor.Tensors.step;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' {@code AutoencoderKL} as SD3.5 uses it (16 latent channels, no quant convs): encoder to the
 * posterior's mean and log-variance, decoder back to pixels. Scaling/shift factors are applied by callers
 * ({@link #toVaeSpace}, {@link #toScaledSpace}).
 */
public final class AutoencoderKL extends Model<AutoencoderKL.KLConfig> {
    /** The config fields used. */
    public record KLConfig(int inChannels, int outChannels, int latentChannels, int[] blockOutChannels, int layersPerBlock,
                           int groups, boolean midAttention, double scalingFactor, double shiftFactor, int sampleSize) {
        /** Pixels per latent cell (8 for SD3.5). */
        public int spatialCompression() {
            return 1 << (blockOutChannels.length - 1);
        }

        /** Parses and validates: counts and widths positive and bounded, groups dividing every width, a finite positive scaling. */
        public static KLConfig from(Config c) {
            if (c.getBoolean("use_quant_conv", false) || c.getBoolean("use_post_quant_conv", false)) {
                throw new dev.sprint.api.UnsupportedModelException("AutoencoderKL with quant convs is not supported (" + c.origin() + ")");
            }
            int[] channels = c.getIntArray("block_out_channels", 1, 1 << 16);
            if (channels.length < 1 || channels.length > 16) {
                throw new dev.sprint.api.ModelLoadException("key 'block_out_channels' in " + c.origin() + " lists "
                        + channels.length + " blocks; 1..16 are supported");
            }
            int groups = c.getInt("norm_num_groups", 32, 1, 1 << 16);
            for (int ch : channels) {
                if (ch % groups != 0) {
                    throw new dev.sprint.api.ModelLoadException("block_out_channels " + ch + " is not a multiple of norm_num_groups "
                            + groups + " (" + c.origin() + ")");
                }
            }
            return new KLConfig(c.getInt("in_channels", 3, 1, 64), c.getInt("out_channels", 3, 1, 64),
                    c.getInt("latent_channels", 1, 4096), channels, c.getInt("layers_per_block", 1, 64), groups,
                    c.getBoolean("mid_block_add_attention", true), c.getPositive("scaling_factor", 1000),
                    c.getDouble("shift_factor", 0.0, -1000, 1000), c.getInt("sample_size", 32, 1, 1 << 16));
        }
    }

    private static final double EPS = 1e-6;

    private final Encoder encoder;
    private final Decoder decoder;

    public AutoencoderKL(KLConfig config, Weights w, WeightSource owned) {
        super(config, w, owned);
        encoder = new Encoder(config, w.sub("encoder"));
        decoder = new Decoder(config, w.sub("decoder"));
    }

    public static AutoencoderKL load(Path dir, TensorBackend backend) {
        return ModelLoader.load(dir, backend, KLConfig::from, AutoencoderKL::new);
    }

    /** Pixels per latent cell (8 for SD3.5). */
    public int spatialCompression() {
        return 1 << (config().blockOutChannels().length - 1);
    }

    /** Sampler latents → decoder input: z / scaling + shift. */
    public Tensor toVaeSpace(Tensor z) {
        return z.mul(1.0 / config().scalingFactor()).add(config().shiftFactor());
    }

    /** Posterior sample or mode → sampler latents: (z − shift) · scaling. */
    public Tensor toScaledSpace(Tensor z) {
        return z.add(-config().shiftFactor()).mul(config().scalingFactor());
    }

    /** Latent (B, C, h, w) in VAE space → image (B, 3, 8h, 8w) in ≈[−1, 1]. */
    public Tensor decode(Tensor z) {
        return decode(z, Cancellation::check);
    }

    /** {@link #decode(Tensor)} calling {@code betweenBlocks} before each decoder block (eager backends). */
    public Tensor decode(Tensor z, Runnable betweenBlocks) {
        return call("vae_kl_decoder", z, x -> decoder.forward(x, betweenBlocks));
    }

    /**
     * diffusers' tiling for this VAE ({@code enable_tiling()}: tiles of {@code config.sample_size} pixels, overlap
     * factor 0.25), see {@link TiledDecode#autoencoderKl}.
     */
    public TiledDecode defaultTiling() {
        return TiledDecode.autoencoderKl(config().sampleSize(), spatialCompression());
    }

    /**
     * Tiled decoding (diffusers' {@code tiled_decode}): memory bounded by one tile whatever the image size; pixels
     * near tile borders differ slightly from {@link #decode(Tensor)}. A latent that fits one tile is decoded untiled.
     */
    public Tensor decodeTiled(Tensor z, TiledDecode tiling, Runnable betweenTiles) {
        if (!tiling.tiles(z.size(2), z.size(3))) return decode(z, betweenTiles);
        return tiling.decode(z, this::decode, betweenTiles);
    }

    /** Image (B, 3, H, W) in [−1, 1] → {mean, logvar (clamped to [−30, 20])}. */
    public Tensor[] encode(Tensor image) {
        List<Tensor> out = call("vae_kl_encoder", List.of(image), in -> {
            Tensor moments = encoder.forward(in.get(0));
            long c = moments.size(1) / 2;
            Tensor mean = moments.slice(1, 0, c);
            Tensor logvar = backend().clamp(moments.slice(1, c, 2 * c), -30, 20);
            return List.of(mean, logvar);
        });
        return new Tensor[] {out.get(0), out.get(1)};
    }

    /** {@code ResnetBlock2D}: GroupNorm → SiLU → conv, twice, plus a 1×1 shortcut when channels change. */
    static final class ResnetBlock2D {
        final GroupNorm norm1;
        final Conv2d conv1;
        final GroupNorm norm2;
        final Conv2d conv2;
        final Conv2d convShortcut;

        ResnetBlock2D(Weights w, int in, int out, int groups) {
            norm1 = new GroupNorm(w.sub("norm1"), groups, in, EPS);
            conv1 = Conv2d.same(w.sub("conv1"), in, out, 3);
            norm2 = new GroupNorm(w.sub("norm2"), groups, out, EPS);
            conv2 = Conv2d.same(w.sub("conv2"), out, out, 3);
            convShortcut = in != out ? Conv2d.same(w.sub("conv_shortcut"), in, out, 1) : null;
        }

        Tensor forward(Tensor x) {
            TensorBackend be = x.backend();
            Tensor n = norm1.forward(x);
            Tensor a = be.unaryInPlace(n, dev.sprint.core.tensor.UnaryOp.SILU);
            Tensor h = free(conv1.forward(a), a);
            n = free(norm2.forward(h), h);
            a = be.unaryInPlace(n, dev.sprint.core.tensor.UnaryOp.SILU);
            h = free(conv2.forward(a), a);
            Tensor sc = convShortcut == null ? x : convShortcut.forward(x);
            return free(be.addInPlace(h, sc), sc == x ? null : sc);
        }
    }

    /** The mid-block's single-head self-attention over pixels, with a GroupNorm and a residual. */
    static final class Attention {
        final GroupNorm groupNorm;
        final Linear toQ;
        final Linear toK;
        final Linear toV;
        final Linear toOut;

        Attention(Weights w, int c, int groups) {
            groupNorm = new GroupNorm(w.sub("group_norm"), groups, c, EPS);
            toQ = new Linear(w.sub("to_q"), c, c, true);
            toK = new Linear(w.sub("to_k"), c, c, true);
            toV = new Linear(w.sub("to_v"), c, c, true);
            toOut = new Linear(w.sub("to_out").sub(0), c, c, true);
        }

        Tensor forward(Tensor x) {
            long[] s = x.shape();
            Tensor h = groupNorm.forward(x).reshape(s[0], s[1], s[2] * s[3]).transpose(1, 2); // (B, HW, C)
            Tensor q = toQ.forward(h);
            Tensor k = toK.forward(h);
            Tensor v = toV.forward(h);
            Tensor o = x.backend().attention(q, k, v, null, 1.0 / Math.sqrt(s[1]));
            o = toOut.forward(o).transpose(1, 2).reshape(s);
            return o.add(x);
        }
    }

    /** {@code UNetMidBlock2D}: resnet, attention, resnet. */
    static final class MidBlock {
        final ResnetBlock2D resnet0;
        final Attention attention;
        final ResnetBlock2D resnet1;

        MidBlock(Weights w, int c, int groups, boolean attn) {
            resnet0 = new ResnetBlock2D(w.sub("resnets").sub(0), c, c, groups);
            attention = attn ? new Attention(w.sub("attentions").sub(0), c, groups) : null;
            resnet1 = new ResnetBlock2D(w.sub("resnets").sub(1), c, c, groups);
        }

        Tensor forward(Tensor x) {
            x = resnet0.forward(x);
            if (attention != null) x = attention.forward(x);
            return resnet1.forward(x);
        }
    }

    /** The encoder: conv_in, down blocks (resnets + strided downsample), mid block, norm, conv_out. */
    public static final class Encoder {
        final Conv2d convIn;
        final List<List<ResnetBlock2D>> downResnets = new ArrayList<>();
        final List<Conv2d> downsamplers = new ArrayList<>();
        final MidBlock midBlock;
        final GroupNorm convNormOut;
        final Conv2d convOut;

        Encoder(KLConfig c, Weights w) {
            int[] ch = c.blockOutChannels();
            convIn = Conv2d.same(w.sub("conv_in"), c.inChannels(), ch[0], 3);
            int prev = ch[0];
            for (int i = 0; i < ch.length; i++) {
                Weights b = w.sub("down_blocks").sub(i);
                List<ResnetBlock2D> rs = new ArrayList<>();
                for (int j = 0; j < c.layersPerBlock(); j++) {
                    rs.add(new ResnetBlock2D(b.sub("resnets").sub(j), j == 0 ? prev : ch[i], ch[i], c.groups()));
                }
                downResnets.add(rs);
                // Downsample2D of the VAE: pad (0, 1, 0, 1) then a stride-2 conv without padding
                downsamplers.add(i + 1 < ch.length
                        ? new Conv2d(b.sub("downsamplers").sub(0).sub("conv"), ch[i], ch[i], 3, 2, 0, 1, true) : null);
                prev = ch[i];
            }
            midBlock = new MidBlock(w.sub("mid_block"), prev, c.groups(), c.midAttention());
            convNormOut = new GroupNorm(w.sub("conv_norm_out"), c.groups(), prev, EPS);
            convOut = Conv2d.same(w.sub("conv_out"), prev, 2L * c.latentChannels(), 3);
        }

        Tensor forward(Tensor x) {
            TensorBackend be = x.backend();
            Tensor h = convIn.forward(x);
            for (int i = 0; i < downResnets.size(); i++) {
                for (ResnetBlock2D r : downResnets.get(i)) h = r.forward(h);
                if (downsamplers.get(i) != null) h = downsamplers.get(i).forward(be.pad(h, new long[] {0, 1, 0, 1}, 0));
            }
            h = midBlock.forward(h);
            return convOut.forward(be.silu(convNormOut.forward(h)));
        }
    }

    /** The decoder: conv_in, mid block, up blocks (resnets + nearest×2 upsample + conv), norm, conv_out. */
    public static final class Decoder {
        final Conv2d convIn;
        final MidBlock midBlock;
        final List<List<ResnetBlock2D>> upResnets = new ArrayList<>();
        final List<Conv2d> upsamplers = new ArrayList<>();
        final GroupNorm convNormOut;
        final Conv2d convOut;

        Decoder(KLConfig c, Weights w) {
            int[] ch = c.blockOutChannels();
            int top = ch[ch.length - 1];
            convIn = Conv2d.same(w.sub("conv_in"), c.latentChannels(), top, 3);
            midBlock = new MidBlock(w.sub("mid_block"), top, c.groups(), c.midAttention());
            int prev = top;
            for (int i = 0; i < ch.length; i++) {
                int out = ch[ch.length - 1 - i];
                Weights b = w.sub("up_blocks").sub(i);
                List<ResnetBlock2D> rs = new ArrayList<>();
                for (int j = 0; j < c.layersPerBlock() + 1; j++) {
                    rs.add(new ResnetBlock2D(b.sub("resnets").sub(j), j == 0 ? prev : out, out, c.groups()));
                }
                upResnets.add(rs);
                upsamplers.add(i + 1 < ch.length ? Conv2d.same(b.sub("upsamplers").sub(0).sub("conv"), out, out, 3) : null);
                prev = out;
            }
            convNormOut = new GroupNorm(w.sub("conv_norm_out"), c.groups(), prev, EPS);
            convOut = Conv2d.same(w.sub("conv_out"), prev, c.outChannels(), 3);
        }

        Tensor forward(Tensor z, Runnable betweenBlocks) {
            TensorBackend be = z.backend();
            // each block in its own scope, its input freed once it ran (1024² activations are 512 MB each)
            Tensor h = step(convIn.forward(z), midBlock::forward);
            for (int i = 0; i < upResnets.size(); i++) {
                for (ResnetBlock2D r : upResnets.get(i)) {
                    betweenBlocks.run();
                    h = step(h, r::forward);
                }
                Conv2d up = upsamplers.get(i);
                if (up != null) {
                    betweenBlocks.run();
                    h = step(h, x -> {
                        Tensor big = be.interpolate(x, (int) x.size(2) * 2, (int) x.size(3) * 2, ResizeMode.NEAREST, false);
                        return free(up.forward(big), big);
                    });
                }
            }
            betweenBlocks.run();
            Tensor n = free(convNormOut.forward(h), h);
            Tensor a = be.unaryInPlace(n, dev.sprint.core.tensor.UnaryOp.SILU);
            return free(convOut.forward(a), a);
        }
    }
}
