"""Names diffusers 0.35.2 / transformers 4.47 look up on torch 2 that Debian's torch 1.13 lacks.

None of these changes model math:
- `F.scaled_dot_product_attention` is added as the textbook `softmax(Q Kᵀ · scale + mask) V` (torch 2's own "math"
  reference formula; diffusers' attention processors refuse to run without the name). Sana uses it only for its
  small cross attention; Gemma-2 runs with attn_implementation="eager" and never calls it.
- Placeholders for names that appear only in dtype tables, decorators or `except` clauses: `torch.float8_*`,
  `torch.uint16/32/64`, `torch.compiler.disable`, `torch._dynamo.mark_static_address` (a module holding only
  that no-op hint and `is_compiling() == False`), `torch.cpu.OutOfMemoryError`.
Each is installed only where torch lacks it, so on torch 2 this module does nothing.
"""

import math
import sys
import types

import torch
import torch.nn.functional as F


def _sdpa(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False):
    scale = 1.0 / math.sqrt(query.size(-1)) if scale is None else scale
    if enable_gqa and key.size(-3) != query.size(-3):
        rep = query.size(-3) // key.size(-3)
        key = key.repeat_interleave(rep, dim=-3)
        value = value.repeat_interleave(rep, dim=-3)
    scores = torch.matmul(query, key.transpose(-2, -1)) * scale
    if is_causal:
        causal = torch.ones(query.size(-2), key.size(-2), dtype=torch.bool, device=query.device).tril()
        scores = scores.masked_fill(~causal, float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(~attn_mask, float("-inf"))
        else:
            scores = scores + attn_mask
    probs = torch.softmax(scores, dim=-1)
    if dropout_p > 0.0:
        probs = F.dropout(probs, p=dropout_p)
    return torch.matmul(probs, value)


class _Placeholder:
    """Stands for a torch-2 dtype in lookup tables; no tensor ever has it on torch 1.13."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name} (placeholder: not in torch {torch.__version__})"


def install():
    if not hasattr(F, "scaled_dot_product_attention"):
        F.scaled_dot_product_attention = _sdpa
    for name in ("float8_e4m3fn", "float8_e5m2", "float8_e4m3fnuz", "float8_e5m2fnuz", "uint16", "uint32", "uint64"):
        if not hasattr(torch, name):
            setattr(torch, name, _Placeholder(name))
    if not hasattr(torch, "compiler"):
        torch.compiler = types.ModuleType("torch.compiler")
    if not hasattr(torch.compiler, "disable"):
        def disable(fn=None, recursive=True):
            return fn if fn is not None else (lambda f: f)
        torch.compiler.disable = disable
    if not hasattr(torch.compiler, "is_compiling"):
        torch.compiler.is_compiling = lambda: False
    try:
        import torch._dynamo as dynamo
    except ImportError:
        # torch 1.13 has no dynamo: transformers' HybridCache (Gemma-2) calls torch._dynamo.mark_static_address,
        # a hint for torch.compile that does nothing in eager mode
        dynamo = types.ModuleType("torch._dynamo")
        dynamo.is_compiling = lambda: False
        sys.modules["torch._dynamo"] = dynamo
        torch._dynamo = dynamo
    if not hasattr(dynamo, "mark_static_address"):
        dynamo.mark_static_address = lambda tensor, guard=True: None
    if not hasattr(torch.cpu, "OutOfMemoryError"):
        # never raised: a CPU out-of-memory surfaces as RuntimeError on torch 1.13, as it would without this name
        torch.cpu.OutOfMemoryError = type("OutOfMemoryError", (RuntimeError,), {})
