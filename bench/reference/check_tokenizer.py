#!/usr/bin/env python3
"""Checks the Gemma tokenizer stand-in (shims/gemma_tokenizer.py) against ids of the real tokenizers library.

    REFBENCH_SRC=... /usr/bin/python3 bench/reference/check_tokenizer.py TOKENIZER_JSON GOLDEN_IDS_JSON

GOLDEN_IDS_JSON is golden/sana-sprint/cases/gemma_tokenizer.json (ids the HF `tokenizers` library produced for 16
hard prompts: unicode, emoji, CJK, NBSP, literal special tokens, truncation), both the plain 300-token path and the
complex-human-instruction path. Prints each mismatch and exits 1 if there is any.
"""

import gzip
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sana_sprint_reference as ref  # noqa: E402


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tok_json, golden = sys.argv[1], sys.argv[2]
    ref.prepare_environment(os.environ.get("REFBENCH_SRC"))
    from gemma_tokenizer import GemmaBpeTokenizer

    if tok_json.endswith(".gz"):
        tmp = tempfile.NamedTemporaryFile(suffix=".json", delete=False)
        with gzip.open(tok_json) as src, tmp:
            shutil.copyfileobj(src, tmp)
        tok_json = tmp.name
    tok = GemmaBpeTokenizer(tok_json)
    tok.padding_side = "right"  # as the Sana pipelines set it
    with open(golden) as f:
        g = json.load(f)
    bad = 0
    n = len(tok.encode(g["chi_prompt"]))
    if n != g["num_chi_prompt_tokens"]:
        print(f"CHI prompt: {n} tokens, expected {g['num_chi_prompt_tokens']}")
        bad += 1
    for c in g["cases"]:
        text = c["preprocessed"]
        plain = tok([text], padding="max_length", max_length=300, truncation=True, add_special_tokens=True)
        chi = tok([g["chi_prompt"] + text], padding="max_length", max_length=g["max_length_all"], truncation=True,
                  add_special_tokens=True)
        checks = [("input_ids_300", plain.input_ids[0]), ("attention_mask_300", plain.attention_mask[0]),
                  ("chi_input_ids", chi.input_ids[0]), ("chi_attention_mask", chi.attention_mask[0])]
        for key, got in checks:
            if list(got) != list(c[key]):
                first = next(i for i, (a, b) in enumerate(zip(got, c[key])) if a != b) if len(got) == len(c[key]) \
                    else min(len(got), len(c[key]))
                print(f"{c['prompt']!r}: {key} differs from position {first}: "
                      f"{list(got)[first:first + 5]} vs {list(c[key])[first:first + 5]}")
                bad += 1
    print(f"{len(g['cases'])} prompts, CHI length {n}: {'all ids equal' if not bad else f'{bad} mismatches'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
