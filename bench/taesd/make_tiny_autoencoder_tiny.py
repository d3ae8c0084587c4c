#!/usr/bin/env python3
"""Makes golden/taesd/: a tiny random diffusers-format AutoencoderTiny folder and its reference outputs.

The reference is diffusers' AutoencoderTiny (src/diffusers/models/autoencoders/autoencoder_tiny.py, vae.py
EncoderTiny/DecoderTiny, unet_2d_blocks.py AutoencoderTinyBlock at huggingface/diffusers 58eb52c0). Importing the
diffusers package needs more than this machine's Debian python3-torch 1.13 environment has, so the script does two
things: it builds the model layer for layer with torch.nn (below), and, given --diffusers SRC (a diffusers checkout's
src/ folder), it also runs diffusers' OWN EncoderTiny / DecoderTiny / AutoencoderTinyBlock / get_activation source,
taken from those files and executed with torch, loads the same state dict into them with strict=True (so the weight
names are diffusers') and requires bit-identical outputs; the stored outputs are then diffusers' classes' outputs.

Run (from the repository root; the three diffusers files can come from `git archive` of a checkout):
    /usr/bin/python3 bench/taesd/make_tiny_autoencoder_tiny.py golden/taesd --diffusers /tmp/diffusers-src/src
"""
import ast
import json
import struct
import sys
from pathlib import Path

import torch
from torch import nn

CONFIG = {
    "_class_name": "AutoencoderTiny",
    "act_fn": "relu",
    "decoder_block_out_channels": [8, 8, 8, 8],
    "encoder_block_out_channels": [8, 8, 8, 8],
    "force_upcast": False,
    "in_channels": 3,
    "latent_channels": 16,
    "latent_magnitude": 3,
    "latent_shift": 0.5,
    "num_decoder_blocks": [1, 2, 1, 1],
    "num_encoder_blocks": [1, 1, 2, 1],
    "out_channels": 3,
    "scaling_factor": 1.5305,
    "shift_factor": 0.0609,
    "upsample_fn": "nearest",
    "upsampling_scaling_factor": 2,
}


class AutoencoderTinyBlock(nn.Module):
    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(), nn.Conv2d(ch, ch, 3, padding=1), nn.ReLU(),
                                  nn.Conv2d(ch, ch, 3, padding=1))
        self.skip = nn.Identity()
        self.fuse = nn.ReLU()

    def forward(self, x):
        return self.fuse(self.conv(x) + self.skip(x))


class EncoderTiny(nn.Module):
    def __init__(self, c):
        super().__init__()
        layers = []
        for i, n in enumerate(c["num_encoder_blocks"]):
            ch = c["encoder_block_out_channels"][i]
            if i == 0:
                layers.append(nn.Conv2d(c["in_channels"], ch, 3, padding=1))
            else:
                layers.append(nn.Conv2d(ch, ch, 3, padding=1, stride=2, bias=False))
            layers += [AutoencoderTinyBlock(ch) for _ in range(n)]
        layers.append(nn.Conv2d(c["encoder_block_out_channels"][-1], c["latent_channels"], 3, padding=1))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return self.layers(x.add(1).div(2))


class DecoderTiny(nn.Module):
    def __init__(self, c):
        super().__init__()
        chs = c["decoder_block_out_channels"]
        layers = [nn.Conv2d(c["latent_channels"], chs[0], 3, padding=1), nn.ReLU()]
        for i, n in enumerate(c["num_decoder_blocks"]):
            last = i == len(chs) - 1
            layers += [AutoencoderTinyBlock(chs[i]) for _ in range(n)]
            if not last:
                layers.append(nn.Upsample(scale_factor=c["upsampling_scaling_factor"], mode="nearest"))
            layers.append(nn.Conv2d(chs[i], c["out_channels"] if last else chs[i], 3, padding=1, bias=last))
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        x = torch.tanh(x / 3) * 3
        return self.layers(x).mul(2).sub(1)


class AutoencoderTiny(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.encoder = EncoderTiny(c)
        self.decoder = DecoderTiny(c)


def save_safetensors(path, tensors):
    """The safetensors layout: u64 LE header length, JSON header, raw little-endian data (F32 only here)."""
    header, blobs, offset = {}, [], 0
    for name in sorted(tensors):
        data = tensors[name].detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text)
        for b in blobs:
            f.write(b)


def diffusers_classes(src):
    """diffusers' own EncoderTiny, DecoderTiny (vae.py), AutoencoderTinyBlock (unet_2d_blocks.py) and get_activation
    with ACT2CLS (activations.py), their source executed as written; only their imports are replaced by torch's."""
    wanted = {"models/activations.py": ["ACT2CLS", "get_activation"],
              "models/unets/unet_2d_blocks.py": ["AutoencoderTinyBlock"],
              "models/autoencoders/vae.py": ["EncoderTiny", "DecoderTiny"]}
    ns = {"torch": torch, "nn": nn, "F": torch.nn.functional}
    for file, names in wanted.items():
        tree = ast.parse((Path(src) / "diffusers" / file).read_text())
        for node in tree.body:
            name = getattr(node, "name", None) or (isinstance(node, ast.Assign) and node.targets[0].id)
            if name in names:
                exec(compile(ast.Module(body=[node], type_ignores=[]), file, "exec"), ns)
    return ns


def check_against_diffusers(model, src, latents, image):
    """Loads the model's weights into diffusers' classes (strict) and requires the same outputs, bit for bit."""
    ns = diffusers_classes(src)
    c = CONFIG
    enc = ns["EncoderTiny"](in_channels=c["in_channels"], out_channels=c["latent_channels"], num_blocks=c["num_encoder_blocks"],
                            block_out_channels=c["encoder_block_out_channels"], act_fn=c["act_fn"]).eval()
    dec = ns["DecoderTiny"](in_channels=c["latent_channels"], out_channels=c["out_channels"], num_blocks=c["num_decoder_blocks"],
                            block_out_channels=c["decoder_block_out_channels"],
                            upsampling_scaling_factor=c["upsampling_scaling_factor"], act_fn=c["act_fn"],
                            upsample_fn=c["upsample_fn"]).eval()
    enc.load_state_dict(model.encoder.state_dict(), strict=True)
    dec.load_state_dict(model.decoder.state_dict(), strict=True)
    decoded, encoded = dec(latents), enc(image)
    assert torch.equal(decoded, model.decoder(latents)), "decoder differs from diffusers' DecoderTiny"
    assert torch.equal(encoded, model.encoder(image)), "encoder differs from diffusers' EncoderTiny"
    print("diffusers' EncoderTiny/DecoderTiny: same weight names, identical outputs")
    return decoded, encoded


def main(out, src=None):
    out = Path(out)
    (out / "model").mkdir(parents=True, exist_ok=True)
    torch.manual_seed(20261207)
    model = AutoencoderTiny(CONFIG).eval()
    with torch.no_grad():
        for p in model.parameters():  # default init, biases nudged off zero so that a missing bias is visible
            if p.dim() == 1:
                p.add_(0.05)
        save_safetensors(out / "model" / "diffusion_pytorch_model.safetensors", dict(model.state_dict()))
        (out / "model" / "config.json").write_text(json.dumps(CONFIG, indent=2) + "\n")
        latents = torch.randn(2, 16, 5, 6) * 1.5
        image = torch.rand(1, 3, 32, 40) * 2 - 1
        decoded, encoded = model.decoder(latents), model.encoder(image)
        if src is not None:
            decoded, encoded = check_against_diffusers(model, src, latents, image)
        save_safetensors(out / "cases.safetensors", {
            "decode_input": latents, "decode_output": decoded, "encode_input": image, "encode_output": encoded})


if __name__ == "__main__":
    args = sys.argv[1:]
    main(args[0], args[args.index("--diffusers") + 1] if "--diffusers" in args else None)
