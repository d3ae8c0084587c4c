"""`safetensors.torch` of the pure-Python stand-in (see the package docstring)."""

import json
import struct

import torch

from . import DTYPES, SafetensorError, parse_header, safe_open, tensor_from

_NAMES = {getattr(torch, attr): name for name, (attr, _) in DTYPES.items()}


def load_file(filename, device="cpu"):
    """All tensors of a file, read from a private memory map."""
    with safe_open(filename, framework="pt", device=device) as f:
        return {k: f.get_tensor(k) for k in f.keys()}


def load(data):
    """All tensors of a serialized file given as bytes (copied, so the result owns its memory)."""
    buf = bytearray(data)
    header, _, base = parse_header(buf)
    return {k: tensor_from(buf, v, base, k).clone() for k, v in header.items()}


def _tobytes(tensor, name):
    if tensor.dtype not in _NAMES:
        raise SafetensorError(f"{name}: dtype {tensor.dtype} cannot be stored")
    t = tensor.detach().to("cpu").contiguous()
    return t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b""


def save(tensors, metadata=None):
    """Serializes a dict of tensors in the safetensors layout (header padded to 8 bytes, data in key order)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name]
        blob = _tobytes(t, name)
        header[name] = {"dtype": _NAMES[t.dtype], "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
    raw += b" " * (-len(raw) % 8)
    return struct.pack("<Q", len(raw)) + raw + b"".join(blobs)


def save_file(tensors, filename, metadata=None):
    with open(filename, "wb") as f:
        f.write(save(tensors, metadata))


def storage_ptr(tensor):
    """Address of the tensor's storage (transformers uses it to find tied weights)."""
    try:
        return tensor.untyped_storage().data_ptr()
    except (AttributeError, NotImplementedError):
        try:
            return tensor.storage().data_ptr()
        except NotImplementedError:
            return 0  # storage-less tensors (meta)


def storage_size(tensor):
    """Bytes of the tensor's storage."""
    try:
        return tensor.untyped_storage().nbytes()
    except (AttributeError, NotImplementedError):
        try:
            return tensor.storage().size() * tensor.element_size()
        except NotImplementedError:
            return tensor.nelement() * tensor.element_size()
