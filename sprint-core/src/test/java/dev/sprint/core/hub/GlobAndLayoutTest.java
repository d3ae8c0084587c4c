package dev.sprint.core.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** File patterns as Python's fnmatch (huggingface_hub allow_patterns) and the file choice of {@link RepoLayout}. */
class GlobAndLayoutTest {
    @Test
    void patternsMatchLikeFnmatch() {
        assertTrue(Glob.of("*.json").matches("vae/config.json"), "* crosses folders, as in fnmatch");
        assertTrue(Glob.of("transformer/").matches("transformer/a/b.bin"), "a trailing / means the whole folder");
        assertFalse(Glob.of("transformer/").matches("transformer2/x"));
        assertTrue(Glob.of("model-0000?-of-00002.safetensors").matches("model-00001-of-00002.safetensors"));
        assertTrue(Glob.of("[!a]*.txt").matches("merges.txt"));
        assertFalse(Glob.of("[!m]*.txt").matches("merges.txt"));
        assertTrue(Glob.of("vae/[a-d]*").matches("vae/config.json"));
        assertFalse(Glob.of("*.JSON").matches("config.json"), "case-sensitive on POSIX");
        assertTrue(Glob.of("a+b(c).json").matches("a+b(c).json"), "regex characters are literal");
        assertTrue(Glob.of("[").matches("["), "an unclosed [ is literal");
        assertEquals(List.of("a.json", "b/c.json"), Glob.filter(List.of("a.json", "x.bin", "b/c.json"), List.of("*.json")));
    }

    private static RepoLayout.Plan plan(Map<String, String> files) {
        return RepoLayout.select(files.keySet(), files::get);
    }

    @Test
    void weightsAreChosenAsTheLoaderOpensThem() {
        // diffusers name first, variants and pickles left out
        RepoLayout.Plan p = plan(Map.of("config.json", "{}", "diffusion_pytorch_model.safetensors", "",
                "diffusion_pytorch_model.fp16.safetensors", "", "diffusion_pytorch_model.bin", "", "model.onnx", ""));
        assertEquals(List.of("config.json", "diffusion_pytorch_model.safetensors"), p.files());
        // a lone variant is what the loader would open
        p = plan(Map.of("config.json", "{}", "diffusion_pytorch_model.fp16.safetensors", "", "diffusion_pytorch_model.bin", ""));
        assertEquals(List.of("config.json", "diffusion_pytorch_model.fp16.safetensors"), p.files());
        // two candidates and no default: ambiguous, say so
        p = plan(Map.of("config.json", "{}", "a.safetensors", "", "b.safetensors", ""));
        assertEquals(1, p.problems().size(), p.toString());
        assertTrue(p.problems().get(0).contains("a.safetensors, b.safetensors") && p.problems().get(0).contains("--include"));
        // tokenizer files of every kind, no weights needed
        p = plan(Map.of("model_index.json", "{\"tokenizer_3\": [\"transformers\", \"T5TokenizerFast\"]}",
                "tokenizer_3/spiece.model", "", "tokenizer_3/tokenizer.json", "", "tokenizer_3/special_tokens_map.json", "",
                "tokenizer_3/tokenizer_config.json", "", "tokenizer_3/README.md", ""));
        assertEquals(List.of("model_index.json", "tokenizer_3/special_tokens_map.json", "tokenizer_3/spiece.model",
                "tokenizer_3/tokenizer.json", "tokenizer_3/tokenizer_config.json"), p.files());
        assertTrue(p.problems().isEmpty());
        // nothing recognisable
        p = plan(Map.of("README.md", "", "weights.bin", ""));
        assertEquals(1, p.problems().size());
        // a component folder is found even without a model_index.json entry for siblings (adapter in a sub-folder)
        p = plan(Map.of("swd/adapter_config.json", "{}", "swd/adapter_model.safetensors", "", "README.md", ""));
        assertEquals(List.of("swd/adapter_config.json", "swd/adapter_model.safetensors"), p.files());
        // a diffusers LoRA repo (save_lora_weights + push_to_hub): its weights file, nothing else
        p = plan(Map.of("pytorch_lora_weights.safetensors", "", "README.md", "", "image_0.png", ""));
        assertEquals(List.of("pytorch_lora_weights.safetensors"), p.files());
        assertTrue(p.problems().isEmpty(), p.toString());
    }

    @Test
    void malformedIndexFilesAreProblemsNotCrashes() {
        RepoLayout.Plan p = plan(Map.of("model_index.json", "{not json", "vae/config.json", "{}"));
        assertTrue(p.problems().get(0).contains("model_index.json"), p.toString());
        p = plan(Map.of("config.json", "{}", "model.safetensors.index.json", "{\"weight_map\": {\"w\": \"../../x.safetensors\"}}"));
        assertTrue(p.problems().get(0).contains("../../x.safetensors"), p.toString());
        p = plan(Map.of("model_index.json", "{\"../up\": [\"diffusers\", \"X\"]}", "../up/config.json", "{}"));
        assertTrue(p.problems().get(0).contains("../up"), p.toString());
    }
}
