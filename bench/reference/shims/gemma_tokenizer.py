"""A pure-Python stand-in for `GemmaTokenizerFast` (whose Rust `tokenizers` wheel is not a Debian package).

It reads the folder's own `tokenizer.json` and implements what that file declares for Gemma: the normalizer
`Replace(" " -> "▁")`, no pre-tokenizer, BPE with merges by rank, byte fallback (`<0xNN>`), `<bos>` prepended.
Added tokens (`<bos>`, `<pad>`, `<start_of_turn>`, ...) are matched in the raw text before normalization, by
transformers' own `PreTrainedTokenizer.tokenize`; padding, truncation, masks and tensors are transformers' own
code too (this class only supplies the vocabulary and `_tokenize`). The harness checks its ids against the stored
ones where a golden case has them; for timing, only the sequence length matters (Gemma-2 always runs on the
full padded length: the complex-human-instruction length + 300 - 2 tokens).
"""

import heapq
import json

from transformers import PreTrainedTokenizer
from transformers.tokenization_utils_base import AddedToken


class GemmaBpeTokenizer(PreTrainedTokenizer):
    """GemmaTokenizerFast's behaviour on the folder's tokenizer.json, without the Rust extension."""

    vocab_files_names = {"tokenizer_file": "tokenizer.json"}
    model_input_names = ["input_ids", "attention_mask"]

    def __init__(self, tokenizer_file, **kwargs):
        with open(tokenizer_file, encoding="utf-8") as f:
            spec = json.load(f)
        model = spec["model"]
        if model.get("type") != "BPE" or not model.get("byte_fallback"):
            raise ValueError(f"{tokenizer_file}: expected a Gemma BPE model with byte_fallback")
        norm = spec.get("normalizer") or {}
        if norm.get("type") != "Replace" or norm.get("content") != "\u2581":
            raise ValueError(f"{tokenizer_file}: expected Gemma's Replace(' ' -> '\u2581') normalizer")
        self._vocab = model["vocab"]
        self._ids = {i: t for t, i in self._vocab.items()}
        self._merges = {}
        for rank, m in enumerate(model["merges"]):
            a, b = m.split(" ") if isinstance(m, str) else m
            merged = a + b
            if merged in self._vocab:
                self._merges[(a, b)] = (rank, merged)
        self._unk = model.get("unk_token") or "<unk>"
        self._fuse_unk = bool(model.get("fuse_unk"))
        added = sorted(spec.get("added_tokens", []), key=lambda t: t["id"])
        decoder = {
            t["id"]: AddedToken(t["content"], lstrip=t["lstrip"], rstrip=t["rstrip"], normalized=t["normalized"],
                                single_word=t["single_word"], special=t["special"])
            for t in added
        }
        super().__init__(bos_token="<bos>", eos_token="<eos>", pad_token="<pad>", unk_token=self._unk,
                         added_tokens_decoder=decoder, padding_side="left", **kwargs)

    def _update_trie(self, unique_no_split_tokens=()):
        # transformers' own loop tests `AddedToken in set_of_str`, which needs the Rust AddedToken's hash; the
        # pure-Python AddedToken it falls back to is unhashable. Same effect: every added token's text is matched.
        for token in self._added_tokens_decoder.values():
            self.tokens_trie.add(token.content)
        for token in unique_no_split_tokens:
            self.tokens_trie.add(token)

    @property
    def vocab_size(self):
        return len(self._vocab)

    def get_vocab(self):
        return dict(self._vocab)

    def _convert_token_to_id(self, token):
        return self._vocab.get(token, self._vocab[self._unk])

    def _convert_id_to_token(self, index):
        return self._ids.get(index, self._unk)

    def convert_tokens_to_string(self, tokens):
        return "".join(tokens).replace("\u2581", " ")

    def build_inputs_with_special_tokens(self, token_ids_0, token_ids_1=None):
        # the post-processor: "<bos> $A" (and "<bos> $A <bos> $B" for pairs)
        out = [self.bos_token_id] + token_ids_0
        return out if token_ids_1 is None else out + [self.bos_token_id] + token_ids_1

    def get_special_tokens_mask(self, token_ids_0, token_ids_1=None, already_has_special_tokens=False):
        if already_has_special_tokens:
            return super().get_special_tokens_mask(token_ids_0, token_ids_1, True)
        mask = [1] + [0] * len(token_ids_0)
        return mask if token_ids_1 is None else mask + [1] + [0] * len(token_ids_1)

    def num_special_tokens_to_add(self, pair=False):
        return 2 if pair else 1

    def _tokenize(self, text, **kwargs):
        text = text.replace(" ", "\u2581")
        symbols = []
        for ch in text:
            if ch in self._vocab:
                symbols.append(ch)
                continue
            pieces = [f"<0x{b:02X}>" for b in ch.encode("utf-8")]
            if all(p in self._vocab for p in pieces):
                symbols.extend(pieces)
            elif self._fuse_unk and symbols and symbols[-1] == self._unk:
                continue
            else:
                symbols.append(self._unk)
        return self._merge(symbols)

    def _merge(self, symbols):
        # BPE as the tokenizers library does it: repeatedly merge the adjacent pair of lowest rank (leftmost first)
        n = len(symbols)
        prev = list(range(-1, n - 1))
        nxt = list(range(1, n + 1))
        alive = [True] * n
        heap = []
        for i in range(n - 1):
            m = self._merges.get((symbols[i], symbols[i + 1]))
            if m:
                heap.append((m[0], i, symbols[i], symbols[i + 1]))
        heapq.heapify(heap)
        while heap:
            rank, i, a, b = heapq.heappop(heap)
            j = nxt[i] if i < n and alive[i] else n
            if not alive[i] or j >= n or symbols[i] != a or symbols[j] != b:
                continue  # stale entry: one side was merged away since it was pushed
            symbols[i] = a + b
            alive[j] = False
            nxt[i] = nxt[j]
            if nxt[j] < n:
                prev[nxt[j]] = i
            p = prev[i]
            if p >= 0:
                m = self._merges.get((symbols[p], symbols[i]))
                if m:
                    heapq.heappush(heap, (m[0], p, symbols[p], symbols[i]))
            if nxt[i] < n:
                m = self._merges.get((symbols[i], symbols[nxt[i]]))
                if m:
                    heapq.heappush(heap, (m[0], i, symbols[i], symbols[nxt[i]]))
        return [s for s, ok in zip(symbols, alive) if ok]
