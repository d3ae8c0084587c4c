package dev.sprint.core.dcae;

import dev.sprint.api.ModelLoadException;
import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Config;
import dev.sprint.core.nn.Activation;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vae/config.json} of an {@code AutoencoderDC}, validated before anything is allocated: every
 * per-stage list has one entry per stage (a single value applies to every stage, as diffusers accepts for
 * block types, norms and activations), counts and widths are positive and bounded, the channel ratios the
 * shortcuts and heads rely on divide exactly, and {@code scaling_factor} is a positive finite number.
 */
public record AutoencoderDCConfig(int inChannels, int latentChannels, int attentionHeadDim,
                                  List<String> encoderBlockTypes, List<String> decoderBlockTypes,
                                  int[] encoderBlockOutChannels, int[] decoderBlockOutChannels,
                                  int[] encoderLayersPerBlock, int[] decoderLayersPerBlock,
                                  List<int[]> encoderQkvMultiscales, List<int[]> decoderQkvMultiscales,
                                  String upsampleBlockType, String downsampleBlockType,
                                  List<String> decoderNormTypes, List<String> decoderActFns,
                                  boolean encoderOutShortcut, boolean decoderInShortcut, String decoderConvActFn,
                                  double scalingFactor) {
    static final int MAX_STAGES = 16;
    static final int MAX_CHANNELS = 1 << 16;
    static final int MAX_LAYERS = 64;

    /** Pixels per latent cell: 2^(stages − 1) (32 for f32c32). */
    public int spatialCompression() {
        return 1 << (decoderBlockOutChannels.length - 1);
    }

    public static AutoencoderDCConfig from(Config c) {
        int[] encCh = c.getIntArray("encoder_block_out_channels", 1, MAX_CHANNELS);
        int[] decCh = c.getIntArray("decoder_block_out_channels", 1, MAX_CHANNELS);
        stages(c, "encoder_block_out_channels", encCh.length);
        stages(c, "decoder_block_out_channels", decCh.length);
        if (encCh.length != decCh.length) {
            throw new ModelLoadException("encoder_block_out_channels has " + encCh.length + " stages but"
                    + " decoder_block_out_channels " + decCh.length + " (" + c.origin() + ")");
        }
        int[] encLayers = c.getIntArray("encoder_layers_per_block", 0, MAX_LAYERS);
        int[] decLayers = c.getIntArray("decoder_layers_per_block", 0, MAX_LAYERS);
        length(c, "encoder_layers_per_block", encLayers.length, encCh.length);
        length(c, "decoder_layers_per_block", decLayers.length, decCh.length);
        for (int l : encLayers) if (l == 0) throw unsupported(c, "stages without layers");
        for (int l : decLayers) if (l == 0) throw unsupported(c, "stages without layers");
        int latent = c.getInt("latent_channels", 1, MAX_CHANNELS);
        int headDim = c.getInt("attention_head_dim", 32, 1, MAX_CHANNELS);
        List<String> encTypes = perStage(c, "encoder_block_types", encCh.length);
        List<String> decTypes = perStage(c, "decoder_block_types", decCh.length);
        for (List<String> types : List.of(encTypes, decTypes)) {
            for (String t : types) {
                if (!t.equals("ResBlock") && !t.equals("EfficientViTBlock")) {
                    throw new UnsupportedModelException("AutoencoderDC block type '" + t + "' is not supported (" + c.origin() + ")");
                }
            }
        }
        List<String> norms = perStage(c, "decoder_norm_types", decCh.length);
        for (String n : norms) if (!n.equals("rms_norm")) throw unsupported(c, "decoder norm " + n);
        List<String> acts = perStage(c, "decoder_act_fns", decCh.length);
        for (String a : acts) Activation.of(a, c.origin());
        String convAct = c.getString("decoder_conv_act_fn", "relu");
        Activation.of(convAct, c.origin());
        String up = c.getString("upsample_block_type", "pixel_shuffle");
        String down = c.getString("downsample_block_type", "pixel_unshuffle");
        if (!up.equals("pixel_shuffle") && !up.equals("interpolate")) throw unsupported(c, "upsample_block_type " + up);
        if (!down.equals("pixel_unshuffle") && !down.equals("Conv")) throw unsupported(c, "downsample_block_type " + down);
        List<int[]> encScales = scales(c, "encoder_qkv_multiscales", encCh.length);
        List<int[]> decScales = scales(c, "decoder_qkv_multiscales", decCh.length);
        AutoencoderDCConfig cfg = new AutoencoderDCConfig(c.getInt("in_channels", 3, 1, 64), latent, headDim, encTypes,
                decTypes, encCh, decCh, encLayers, decLayers, encScales, decScales, up, down, norms, acts,
                c.getBoolean("encoder_out_shortcut", true), c.getBoolean("decoder_in_shortcut", true), convAct,
                c.getPositive("scaling_factor", 1000));
        cfg.checkRatios(c);
        return cfg;
    }

    /** The integer ratios the blocks compute must be exact, or the shortcuts would silently drop channels. */
    private void checkRatios(Config c) {
        int n = decoderBlockOutChannels.length;
        for (int i = 0; i + 1 < n; i++) {
            divides(c, "decoder_block_out_channels", decoderBlockOutChannels[i + 1], 4L * decoderBlockOutChannels[i]);
            divides(c, "encoder_block_out_channels", encoderBlockOutChannels[i + 1], 4L * encoderBlockOutChannels[i]);
            if (downsampleBlockType.equals("pixel_unshuffle")) divides(c, "encoder_block_out_channels", 4, encoderBlockOutChannels[i + 1]);
        }
        for (int i = 0; i < n; i++) {
            if (encoderBlockTypes.get(i).equals("EfficientViTBlock")) divides(c, "attention_head_dim", attentionHeadDim, encoderBlockOutChannels[i]);
            if (decoderBlockTypes.get(i).equals("EfficientViTBlock")) divides(c, "attention_head_dim", attentionHeadDim, decoderBlockOutChannels[i]);
        }
        if (encoderOutShortcut) divides(c, "latent_channels", latentChannels, encoderBlockOutChannels[n - 1]);
        if (decoderInShortcut) divides(c, "latent_channels", latentChannels, decoderBlockOutChannels[n - 1]);
    }

    private static void divides(Config c, String key, long divisor, long value) {
        if (value % divisor != 0) {
            throw new ModelLoadException("AutoencoderDC config " + c.origin() + ": " + value + " is not a multiple of "
                    + divisor + " (key '" + key + "'); the blocks' channel ratios must be whole numbers");
        }
    }

    private static void stages(Config c, String key, int n) {
        if (n < 1 || n > MAX_STAGES) {
            throw new ModelLoadException("key '" + key + "' in " + c.origin() + " lists " + n + " stages; 1.." + MAX_STAGES
                    + " are supported");
        }
    }

    private static void length(Config c, String key, int got, int stages) {
        if (got != stages) {
            throw new ModelLoadException("key '" + key + "' in " + c.origin() + " has " + got + " entries for " + stages
                    + " stages (one per stage needed)");
        }
    }

    private static UnsupportedModelException unsupported(Config c, String what) {
        return new UnsupportedModelException("AutoencoderDC with " + what + " is not supported (" + c.origin() + ")");
    }

    private static List<String> perStage(Config c, String key, int n) {
        List<String> v = c.getStringList(key);
        for (String s : v) if (s == null) throw new ModelLoadException("key '" + key + "' in " + c.origin() + " holds a null");
        if (v.size() == 1) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) out.add(v.get(0));
            return List.copyOf(out);
        }
        length(c, key, v.size(), n);
        return List.copyOf(v);
    }

    private static List<int[]> scales(Config c, String key, int n) {
        List<int[]> out = new ArrayList<>();
        if (!c.has(key)) {
            for (int i = 0; i < n; i++) out.add(new int[0]);
            return out;
        }
        List<int[]> v = c.getIntArrays(key, 1, 31);
        length(c, key, v.size(), n);
        for (int[] k : v) {
            for (int size : k) {
                if (size % 2 == 0) throw new ModelLoadException("key '" + key + "' in " + c.origin() + " holds the even kernel size " + size);
            }
        }
        return v;
    }
}
