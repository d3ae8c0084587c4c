package dev.sprint.controlnet;

import dev.sprint.api.InvalidRequestException;
import dev.sprint.api.RequestOption;
import dev.sprint.core.dcae.AutoencoderDC;
import dev.sprint.core.image.ImageProcessing;
import dev.sprint.core.pipeline.Component;
import dev.sprint.core.sana.SanaConditioning;
import dev.sprint.core.spi.DenoiserHook;
import dev.sprint.core.tensor.Tensor;
import dev.sprint.core.tensor.TensorBackend;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The ControlNet as a {@link SanaConditioning} of core's {@code SanaPipeline}: reads the request's
 * {@link ControlImage}, encodes it per call ({@link ControlImages}: RGB, Lanczos to the generation size,
 * [−1, 1], DC-AE encode, × scaling factor, broadcast to every denoiser row) and returns a
 * {@link ControlNetHook} that adds the ControlNet's block samples to the transformer.
 */
final class ControlNetConditioning implements SanaConditioning<ControlImage> {
    private final Component<SanaControlNetModel> controlNet;
    private final SanaControlNetConfig config;

    ControlNetConditioning(Component<SanaControlNetModel> controlNet, SanaControlNetConfig config) {
        this.controlNet = controlNet;
        this.config = config;
    }

    @Override
    public Class<? extends RequestOption> option() {
        return ControlImage.class;
    }

    @Override
    public ControlImage prepare(RequestOption option) {
        if (option == null) {
            throw new InvalidRequestException("a ControlNet pipeline needs a control image:"
                    + " GenerationRequest.builder().with(ControlImage.of(image, scale))");
        }
        ControlImage c = (ControlImage) option;
        ImageProcessing.requireImage(c.image(), "control image");
        return c;
    }

    @Override
    public DenoiserHook open(ControlImage c, Setup s) {
        Tensor latent = s.run().timed("control_image", () -> controlLatent(s.backend(), s.vae(), c, s.width(), s.height(), s.rows()));
        return new ControlNetHook(controlNet.get(), latent, c.scaleOrDefault());
    }

    /** The control image as a latent (rows, C, h, w): preprocess, encode, × scaling factor. */
    static Tensor controlLatent(TensorBackend be, AutoencoderDC vae, ControlImage c, int width, int height, int rows) {
        float[] chw = ControlImages.preprocess(c.image(), width, height);
        Tensor x = be.fromFloats(chw, 1, 3, height, width);
        Tensor z = vae.encode(x).mul(vae.config().scalingFactor());
        if (rows == 1) return z;
        return be.indexSelect(z, 0, be.fromLongs(new long[rows], rows));
    }

    @Override
    public Map<String, String> provenance(ControlImage c) {
        return Map.of("control_scale", Double.toString(c.scaleOrDefault()));
    }

    @Override
    public Map<String, String> describe() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("controlnet", config.numLayers() + " blocks");
        return m;
    }
}
