package dev.sprint.core.lora;

import java.util.Map;

/**
 * Which model family a LoRA module name belongs to, from the diffusers module names each family uses, so that an
 * adapter made for another family is reported as such instead of as a list of unknown modules.
 */
final class LoraFamilies {
    /** The families Sprint fuses LoRAs into. */
    static final String SANA = "Sana";
    static final String SD3 = "SD3";

    private static final Map<String, String> DESCRIPTIONS = Map.of(
            SANA, "a Sana transformer (SANA, SANA-Sprint, Sana ControlNet)",
            SD3, "an SD3 / SD3.5 MMDiT transformer",
            "Flux", "a Flux-style transformer (single_transformer_blocks)",
            "UNet", "a UNet model (Stable Diffusion 1.x/2.x/SDXL)");

    private LoraFamilies() {}

    /**
     * The family whose transformer has a module of this name (dotted, or kohya's flat form with underscores), or null
     * when the name does not tell.
     */
    static String guess(String module) {
        String m = "_" + module.replace('.', '_') + "_";
        if (has(m, "_single_transformer_blocks_", "_x_embedder_")) return "Flux";
        if (m.startsWith("_down_blocks_") || m.startsWith("_up_blocks_") || m.startsWith("_mid_block_")) return "UNet";
        if (has(m, "_attn1_", "_ff_conv_", "_caption_projection_", "_caption_norm_", "_time_embed_", "_patch_embed_")) return SANA;
        if (has(m, "_attn_", "_ff_net_", "_ff_context_", "_context_embedder_", "_norm1_context_", "_time_text_embed_", "_pos_embed_")) {
            return SD3;
        }
        return null;
    }

    private static boolean has(String m, String... markers) {
        for (String k : markers) if (m.contains(k)) return true;
        return false;
    }

    /** "a Sana transformer (…)" for a family name; the name itself for one without a description. */
    static String describe(String family) {
        return DESCRIPTIONS.getOrDefault(family, "a " + family + " transformer");
    }
}
