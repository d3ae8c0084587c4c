"""Pure-Python stand-in for the `safetensors` package (its Rust wheel is not a Debian package).

Only the calls diffusers 0.35.2, transformers 4.47 and huggingface_hub make are provided: `safe_open`,
`safetensors.torch.{load_file, load, save_file, save, storage_ptr, storage_size, _tobytes}`. The file format is
the published one (8-byte little-endian header length, JSON header, raw little-endian data); tensors are read
zero-copy from a private memory map, as the real library maps files too. Values are never changed.
"""

import json
import mmap
import struct

__version__ = "0.4.5+refbench.shim"

# safetensors dtype name -> (torch dtype attribute, bytes per element)
DTYPES = {
    "F64": ("float64", 8), "F32": ("float32", 4), "F16": ("float16", 2), "BF16": ("bfloat16", 2),
    "I64": ("int64", 8), "I32": ("int32", 4), "I16": ("int16", 2), "I8": ("int8", 1),
    "U8": ("uint8", 1), "BOOL": ("bool", 1),
}


class SafetensorError(Exception):
    """Raised for a malformed file, as the real library does."""


def parse_header(buf):
    """Returns (header dict without __metadata__, metadata dict, offset of the data section)."""
    if len(buf) < 8:
        raise SafetensorError("file too small for a safetensors header")
    (n,) = struct.unpack("<Q", bytes(buf[:8]))
    if n > len(buf) - 8:
        raise SafetensorError(f"header length {n} exceeds the file")
    header = json.loads(bytes(buf[8:8 + n]).decode("utf-8"))
    metadata = header.pop("__metadata__", None) or {}
    return header, metadata, 8 + n


def tensor_from(buf, info, base, name):
    """A torch tensor over buf (no copy) for one header entry."""
    import torch

    if info["dtype"] not in DTYPES:
        raise SafetensorError(f"{name}: dtype {info['dtype']} is not supported on this torch")
    attr, size = DTYPES[info["dtype"]]
    dtype = getattr(torch, attr)
    shape = list(info["shape"])
    begin, end = info["data_offsets"]
    count = 1
    for d in shape:
        count *= d
    if end - begin != count * size or base + end > len(buf):
        raise SafetensorError(f"{name}: data offsets {begin}..{end} do not match shape {shape} {info['dtype']}")
    if count == 0:
        return torch.empty(shape, dtype=dtype)
    return torch.frombuffer(buf, dtype=dtype, count=count, offset=base + begin).reshape(shape)


class _SafeOpen:
    def __init__(self, filename, framework="pt", device="cpu"):
        if framework not in ("pt", "torch"):
            raise SafetensorError(f"framework {framework} is not supported by this stand-in")
        self._file = open(filename, "rb")
        # ACCESS_COPY: a private, writable mapping, so torch.frombuffer gets a writable buffer and the file is
        # never modified; pages are read only when a tensor is used
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_COPY)
        self._header, self._metadata, self._base = parse_header(self._map)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # tensors handed out keep the mapping alive through their buffer reference
        self._file.close()
        return False

    def keys(self):
        return list(self._header.keys())

    def metadata(self):
        return dict(self._metadata)

    def get_tensor(self, name):
        return tensor_from(self._map, self._header[name], self._base, name)


def safe_open(filename, framework="pt", device="cpu"):
    """Opens a safetensors file lazily, like safetensors.safe_open."""
    return _SafeOpen(filename, framework, device)
