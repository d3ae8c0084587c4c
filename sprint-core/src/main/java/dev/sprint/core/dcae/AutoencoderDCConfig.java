package dev.sprint.core.dcae;

import dev.sprint.api.UnsupportedModelException;
import dev.sprint.core.io.Config;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code vae/config.json} of an {@code AutoencoderDC}. Per-stage fields may be given as one value
 * (applied to every stage) or a list, as diffusers accepts.
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

    /** Pixels per latent cell: 2^(stages − 1) (32 for f32c32). */
    public int spatialCompression() {
        return 1 << (decoderBlockOutChannels.length - 1);
    }

    public static AutoencoderDCConfig from(Config c) {
        int[] encCh = c.getIntArray("encoder_block_out_channels");
        int[] decCh = c.getIntArray("decoder_block_out_channels");
        AutoencoderDCConfig cfg = new AutoencoderDCConfig(c.getInt("in_channels", 3), c.getInt("latent_channels"),
                c.getInt("attention_head_dim", 32),
                perStage(c, "encoder_block_types", encCh.length), perStage(c, "decoder_block_types", decCh.length),
                encCh, decCh, c.getIntArray("encoder_layers_per_block"), c.getIntArray("decoder_layers_per_block"),
                scales(c, "encoder_qkv_multiscales", encCh.length), scales(c, "decoder_qkv_multiscales", decCh.length),
                c.getString("upsample_block_type", "pixel_shuffle"), c.getString("downsample_block_type", "pixel_unshuffle"),
                perStage(c, "decoder_norm_types", decCh.length), perStage(c, "decoder_act_fns", decCh.length),
                c.getBoolean("encoder_out_shortcut", true), c.getBoolean("decoder_in_shortcut", true),
                c.getString("decoder_conv_act_fn", "relu"), c.getDouble("scaling_factor"));
        for (int l : cfg.encoderLayersPerBlock) if (l == 0) throw unsupported(c, "stages without layers");
        for (int l : cfg.decoderLayersPerBlock) if (l == 0) throw unsupported(c, "stages without layers");
        for (String n : cfg.decoderNormTypes) if (!n.equals("rms_norm")) throw unsupported(c, "decoder norm " + n);
        return cfg;
    }

    private static UnsupportedModelException unsupported(Config c, String what) {
        return new UnsupportedModelException("AutoencoderDC with " + what + " is not supported (" + c.origin() + ")");
    }

    private static List<String> perStage(Config c, String key, int n) {
        List<String> v = c.getStringList(key);
        if (v.size() == 1) {
            List<String> out = new ArrayList<>();
            for (int i = 0; i < n; i++) out.add(v.get(0));
            return out;
        }
        return v;
    }

    private static List<int[]> scales(Config c, String key, int n) {
        List<int[]> out = new ArrayList<>();
        if (!c.has(key)) {
            for (int i = 0; i < n; i++) out.add(new int[0]);
            return out;
        }
        for (var e : c.json().getAsJsonArray(key)) {
            var a = e.getAsJsonArray();
            int[] k = new int[a.size()];
            for (int i = 0; i < k.length; i++) k[i] = a.get(i).getAsInt();
            out.add(k);
        }
        return out;
    }
}
