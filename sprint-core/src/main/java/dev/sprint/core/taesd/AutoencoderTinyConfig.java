package dev.sprint.core.taesd;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Config;
import dev.sprint.core.nn.Activation;

/**
 * {@code config.json} of a diffusers {@code AutoencoderTiny} (TAESD, TAESDXL, TAESD3, ...), with diffusers' defaults for
 * keys a folder leaves out, validated before anything is allocated.
 *
 * @param inChannels               image channels of the encoder
 * @param outChannels              image channels of the decoder
 * @param encoderBlockOutChannels  width of each encoder stage
 * @param decoderBlockOutChannels  width of each decoder stage
 * @param numEncoderBlocks         {@code AutoencoderTinyBlock}s per encoder stage
 * @param numDecoderBlocks         {@code AutoencoderTinyBlock}s per decoder stage
 * @param latentChannels           latent channels (4 for SD/SDXL, 16 for SD3)
 * @param upsamplingScalingFactor  nearest-neighbour upsampling factor between decoder stages
 * @param actFn                    activation inside the blocks
 * @param scalingFactor            the paired VAE's scaling factor (the pipeline divides latents by it before decoding)
 * @param shiftFactor              the paired VAE's shift factor (added after dividing)
 */
public record AutoencoderTinyConfig(int inChannels, int outChannels, int[] encoderBlockOutChannels,
                                    int[] decoderBlockOutChannels, int[] numEncoderBlocks, int[] numDecoderBlocks,
                                    int latentChannels, int upsamplingScalingFactor, Activation actFn,
                                    double scalingFactor, double shiftFactor) {
    private static final int MAX_CHANNELS = 1 << 14;
    private static final int MAX_STAGES = 8;
    private static final int MAX_BLOCKS = 32;

    /** Image pixels per latent cell along a side: upsampling factor^(stages − 1). */
    public int spatialScale() {
        int s = 1;
        for (int i = 1; i < decoderBlockOutChannels.length; i++) s *= upsamplingScalingFactor;
        return s;
    }

    public static AutoencoderTinyConfig from(Config c) {
        int[] encCh = ints(c, "encoder_block_out_channels", new int[] {64, 64, 64, 64}, 1, MAX_CHANNELS);
        int[] decCh = ints(c, "decoder_block_out_channels", new int[] {64, 64, 64, 64}, 1, MAX_CHANNELS);
        int[] encN = ints(c, "num_encoder_blocks", new int[] {1, 3, 3, 3}, 0, MAX_BLOCKS);
        int[] decN = ints(c, "num_decoder_blocks", new int[] {3, 3, 3, 1}, 0, MAX_BLOCKS);
        if (encCh.length != encN.length || decCh.length != decN.length) {
            throw new ModelLoadException("AutoencoderTiny: encoder/decoder_block_out_channels and num_encoder/decoder_blocks"
                    + " must have the same length (" + c.origin() + ")");
        }
        if (encCh.length == 0 || encCh.length > MAX_STAGES || decCh.length == 0 || decCh.length > MAX_STAGES) {
            throw new ModelLoadException("AutoencoderTiny: 1.." + MAX_STAGES + " stages expected (" + c.origin() + ")");
        }
        String up = c.getString("upsample_fn", "nearest");
        if (!up.equals("nearest")) {
            throw new UnsupportedModelException("AutoencoderTiny upsample_fn '" + up + "' is not supported, only 'nearest' ("
                    + c.origin() + ")");
        }
        return new AutoencoderTinyConfig(c.getInt("in_channels", 3, 1, 64), c.getInt("out_channels", 3, 1, 64), encCh, decCh,
                encN, decN, c.getInt("latent_channels", 4, 1, MAX_CHANNELS), c.getInt("upsampling_scaling_factor", 2, 1, 8),
                Activation.of(c.getString("act_fn", "relu"), c.origin()),
                c.getPositive("scaling_factor", 1.0, 1000), c.getDouble("shift_factor", 0.0, -1000, 1000));
    }

    private static int[] ints(Config c, String key, int[] dflt, int min, int max) {
        return c.has(key) && !c.isNull(key) ? c.getIntArray(key, min, max) : dflt;
    }
}
