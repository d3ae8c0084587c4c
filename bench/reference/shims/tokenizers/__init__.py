"""Import-only placeholder for the Rust `tokenizers` package (not a Debian package).

transformers 4.47 imports names from it at module level (integrations/ggml.py, tokenization_utils_fast.py)
even where they are never used. Every name here is a class that refuses to be used. No `.dist-info` is written
for this package, so transformers' `is_tokenizers_available()` stays False and it never takes a fast-tokenizer
path; the harness tokenizes with shims/gemma_tokenizer.py instead.
"""


def _placeholder(name):
    def refuse(*args, **kwargs):
        raise RuntimeError(f"tokenizers.{name} is an import-only placeholder (bench/reference/shims/tokenizers)")

    return type(name, (), {"__init__": refuse, "__init_subclass__": classmethod(lambda cls, **kw: None)})


def __getattr__(name):
    if name.startswith("__"):
        raise AttributeError(name)
    return _placeholder(name)
