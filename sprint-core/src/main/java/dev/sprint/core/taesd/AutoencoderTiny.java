package dev.sprint.core.taesd;

import dev.sprint.core.io.WeightSource;
import dev.sprint.core.nn.Activation;
import dev.sprint.core.nn.Conv2d;
import dev.sprint.core.nn.Model;
import dev.sprint.core.nn.ModelLoader;
import dev.sprint.core.nn.Weights;
import dev.sprint.core.tensor.ResizeMode;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * diffusers' {@code AutoencoderTiny} (TAESD and its SDXL/SD3/FLUX variants): a small convolutional encoder and
 * decoder for a diffusion model's latents, used for cheap previews. The module tree mirrors diffusers'
 * ({@code encoder.layers.N}, {@code decoder.layers.N}, {@code AutoencoderTinyBlock}'s {@code conv.0/2/4} and
 * {@code skip}), so weight names are field paths; the {@code nn.Sequential} indices of weightless layers
 * (activations, upsampling) are counted as diffusers counts them.
 */
public final class AutoencoderTiny extends Model<AutoencoderTinyConfig> {
    private final List<UnaryOperator<Tensor>> encoder;
    private final List<UnaryOperator<Tensor>> decoder;

    AutoencoderTiny(AutoencoderTinyConfig c, Weights w, WeightSource owned) {
        super(c, w, owned);
        encoder = encoder(c, w.sub("encoder").sub("layers"));
        decoder = decoder(c, w.sub("decoder").sub("layers"));
    }

    /** Loads a diffusers {@code AutoencoderTiny} folder ({@code config.json} + safetensors). */
    public static AutoencoderTiny load(Path dir, TensorBackend backend) {
        return ModelLoader.load(dir, backend, AutoencoderTinyConfig::from, AutoencoderTiny::new);
    }

    /** {@code EncoderTiny}: images (b, 3, H, W) in [−1, 1] → latents (b, C, H/s, W/s) (diffusers' {@code encode(x).latents}). */
    public Tensor encode(Tensor images) {
        return call("taesd_encoder", images, x -> run(encoder, x.add(1).mul(0.5)));
    }

    /**
     * {@code DecoderTiny}: unscaled VAE latents (b, C, h, w) → images (b, 3, h·s, w·s) in ≈[−1, 1]; the input is
     * soft-clamped by {@code tanh(x/3)·3} first, as diffusers does.
     */
    public Tensor decode(Tensor latents) {
        return call("taesd_decoder", latents, z -> {
            Tensor x = z.backend().tanh(z.mul(1.0 / 3)).mul(3);
            return run(decoder, x).mul(2).add(-1);
        });
    }

    private static Tensor run(List<UnaryOperator<Tensor>> layers, Tensor x) {
        for (UnaryOperator<Tensor> l : layers) x = l.apply(x);
        return x;
    }

    /** diffusers' {@code EncoderTiny.layers}: per stage a conv (stride 2 after the first), then its blocks; a final conv. */
    private static List<UnaryOperator<Tensor>> encoder(AutoencoderTinyConfig c, Weights w) {
        List<UnaryOperator<Tensor>> layers = new ArrayList<>();
        int[] ch = c.encoderBlockOutChannels();
        for (int i = 0; i < ch.length; i++) {
            int index = layers.size();
            Conv2d conv = i == 0 ? Conv2d.same(w.sub(index), c.inChannels(), ch[i], 3)
                    : new Conv2d(w.sub(index), ch[i], ch[i], 3, 2, 1, 1, false);
            layers.add(conv::forward);
            for (int b = 0; b < c.numEncoderBlocks()[i]; b++) layers.add(block(w.sub(layers.size()), ch[i], ch[i], c.actFn()));
        }
        Conv2d out = Conv2d.same(w.sub(layers.size()), ch[ch.length - 1], c.latentChannels(), 3);
        layers.add(out::forward);
        return layers;
    }

    /**
     * diffusers' {@code DecoderTiny.layers}: conv, activation, then per stage its blocks, a nearest upsampling
     * (not after the last stage) and a conv (bias only on the last, which maps to the image channels).
     */
    private static List<UnaryOperator<Tensor>> decoder(AutoencoderTinyConfig c, Weights w) {
        List<UnaryOperator<Tensor>> layers = new ArrayList<>();
        int[] ch = c.decoderBlockOutChannels();
        Conv2d in = Conv2d.same(w.sub(0), c.latentChannels(), ch[0], 3);
        layers.add(in::forward);
        Activation act = c.actFn();
        layers.add(act::apply);
        int factor = c.upsamplingScalingFactor();
        for (int i = 0; i < ch.length; i++) {
            boolean last = i == ch.length - 1;
            for (int b = 0; b < c.numDecoderBlocks()[i]; b++) layers.add(block(w.sub(layers.size()), ch[i], ch[i], act));
            if (!last) {
                layers.add(x -> x.backend().interpolate(x, (int) x.size(2) * factor, (int) x.size(3) * factor,
                        ResizeMode.NEAREST, false));
            }
            Conv2d conv = new Conv2d(w.sub(layers.size()), ch[i], last ? c.outChannels() : ch[i], 3, 1, 1, 1, last);
            layers.add(conv::forward);
        }
        return layers;
    }

    /** {@code AutoencoderTinyBlock}: relu(conv(act(conv(act(conv(x))))) + skip(x)), skip a 1×1 conv when widths differ. */
    private static UnaryOperator<Tensor> block(Weights w, int in, int out, Activation act) {
        Weights conv = w.sub("conv");
        Conv2d c0 = Conv2d.same(conv.sub(0), in, out, 3);
        Conv2d c2 = Conv2d.same(conv.sub(2), out, out, 3);
        Conv2d c4 = Conv2d.same(conv.sub(4), out, out, 3);
        Conv2d skip = in != out ? new Conv2d(w.sub("skip"), in, out, 1, 1, 0, 1, false) : null;
        return x -> {
            Tensor y = c4.forward(act.apply(c2.forward(act.apply(c0.forward(x)))));
            return x.backend().relu(y.add(skip == null ? x : skip.forward(x)));
        };
    }
}
