#!/usr/bin/env python3
"""The Python reference, timed: diffusers' SanaSprintPipeline end to end on a diffusers-format folder.

Run through run.sh (which sets the thread variables and finds the sources); see docs/reference-benchmark.md.
One warm-up call, then the measured call (same arguments, same seed). Reports text encoding (encode_prompt:
tokenizer + Gemma-2), each transformer step, VAE decode, the pipeline total, peak RSS, and the 4096³ matmul rate
in float32 and bfloat16 measured in the same process, as a table and as JSON.
"""

import argparse
import json
import math
import os
import platform
import resource
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SHIMS = os.path.join(HERE, "shims")


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True, help="diffusers folder of a SanaSprintPipeline")
    p.add_argument("--src", default=os.environ.get("REFBENCH_SRC"),
                   help="folder holding the diffusers, transformers and huggingface_hub clones (default $REFBENCH_SRC)")
    p.add_argument("--prompt", default="a cyberpunk cat with a neon sign that says 'Sprint'")
    p.add_argument("--height", type=int, default=1024)
    p.add_argument("--width", type=int, default=1024)
    p.add_argument("--steps", type=int, default=1)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--guidance", type=float, default=4.5)
    p.add_argument("--dtype", choices=["float32", "bfloat16"], default="float32")
    p.add_argument("--load", choices=["to", "dtype"], default="to",
                   help="bfloat16 only: 'to' loads float32 then pipe.to(torch.bfloat16) (the usual user code, "
                        "float32-sized load peak); 'dtype' passes torch_dtype=torch.bfloat16 to from_pretrained")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's own)")
    p.add_argument("--warmup", type=int, default=1, help="warm-up calls before the measured one")
    p.add_argument("--matmul", type=int, default=4096, help="matmul size n (n×n @ n×n); 0 skips it")
    p.add_argument("--golden", default=None,
                   help="golden folder (cases.json, cases/); with --case, reads prompt/seed/size/steps from it "
                        "and compares the image with the stored image_uint8")
    p.add_argument("--case", default=None, help="golden case name, e.g. pipeline_t2i_steps1")
    p.add_argument("--json", default=None, help="write the results here")
    p.add_argument("--image", default=None, help="save the measured call's image as PNG here")
    return p.parse_args()


def prepare_environment(src):
    """Puts the diffusers/transformers/huggingface_hub sources and the shims on sys.path.

    diffusers and transformers decide whether a package is present from its installed metadata
    (importlib.metadata), which a source checkout lacks: a temporary folder gets a minimal `.dist-info` for each
    (name and the version the source itself declares), as `pip install` would have written.
    """
    if not src:
        sys.exit("no sources: pass --src DIR or set REFBENCH_SRC (see docs/reference-benchmark.md)")
    roots = {}
    for name in ("huggingface_hub", "transformers", "diffusers"):
        root = os.path.join(src, name, "src")
        if not os.path.isdir(os.path.join(root, name)):
            sys.exit(f"{root}/{name} not found: clone {name} into {src}/{name} (docs/reference-benchmark.md)")
        roots[name] = root
    sys.path[:0] = [SHIMS] + list(roots.values())
    meta = tempfile.mkdtemp(prefix="refbench-meta-")
    versions = {n: source_version(os.path.join(r, n)) for n, r in roots.items()}
    versions["safetensors"] = source_version(os.path.join(SHIMS, "safetensors"))
    for name, version in versions.items():
        dist = os.path.join(meta, f"{name}-{version}.dist-info")
        os.makedirs(dist)
        with open(os.path.join(dist, "METADATA"), "w") as f:
            f.write(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        with open(os.path.join(dist, "top_level.txt"), "w") as f:
            f.write(name + "\n")
    sys.path.insert(0, meta)
    import torch_compat

    torch_compat.install()
    return versions


def source_version(pkg_dir):
    with open(os.path.join(pkg_dir, "__init__.py"), encoding="utf-8") as f:
        for line in f:
            if line.startswith("__version__"):
                return line.split("=", 1)[1].strip().strip("\"'")
    raise SystemExit(f"no __version__ in {pkg_dir}/__init__.py")


def git_commit(src, name):
    head = os.path.join(src, name, ".git")
    try:
        import subprocess

        return subprocess.run(["git", "-C", os.path.join(src, name), "rev-parse", "HEAD"], capture_output=True,
                              text=True, check=True).stdout.strip() if os.path.exists(head) else None
    except (OSError, subprocess.CalledProcessError):
        return None


class Timer:
    """Wraps a callable and records the wall time of each call (the wrapped code is unchanged)."""

    def __init__(self, fn):
        self.fn = fn
        self.times = []
        self.shapes = []

    def __call__(self, *args, **kwargs):
        if args and hasattr(args[0], "shape"):
            self.shapes.append(tuple(args[0].shape))
        t0 = time.perf_counter()
        try:
            return self.fn(*args, **kwargs)
        finally:
            self.times.append(time.perf_counter() - t0)


def rss_peak_bytes():
    """Peak resident set so far (VmHWM; ru_maxrss where /proc is missing)."""
    hwm = vm_hwm_bytes()
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def reset_rss_peak():
    """Resets VmHWM (Linux: writing 5 to clear_refs), so the next peak covers only what follows.

    ru_maxrss (and /usr/bin/time's maximum) is reset with it: take the peak before calling this.
    """
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def vm_hwm_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def matmul_rate(torch, n, dtype):
    """GFLOP/s of an n×n @ n×n product (2n³ flop), best of a few timed runs after a warm-up."""
    g = torch.Generator().manual_seed(0)
    a = torch.randn(n, n, generator=g).to(dtype)
    b = torch.randn(n, n, generator=g).to(dtype)
    torch.matmul(a, b)
    best = math.inf
    reps = 0
    t_end = time.perf_counter() + 10.0
    while reps < 3 or (reps < 10 and time.perf_counter() < t_end):
        t0 = time.perf_counter()
        torch.matmul(a, b)
        best = min(best, time.perf_counter() - t0)
        reps += 1
    return 2.0 * n ** 3 / best / 1e9


def main():
    args = parse_args()
    case = None
    if args.case:
        if not args.golden:
            sys.exit("--case needs --golden DIR")
        with open(os.path.join(args.golden, "cases.json")) as f:
            manifest = json.load(f)
        case = next((c for c in manifest["cases"] if c["name"] == args.case), None)
        if case is None or "prompt" not in case:
            sys.exit(f"no text-to-image case {args.case} in {args.golden}/cases.json")
        args.prompt, args.seed = case["prompt"], case["generator_seed"]
        args.height, args.width, args.steps = case["height"], case["width"], case["num_inference_steps"]

    versions = prepare_environment(args.src)
    import numpy as np
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    from diffusers import SanaSprintPipeline
    from gemma_tokenizer import GemmaBpeTokenizer

    dtype = torch.bfloat16 if args.dtype == "bfloat16" else torch.float32
    t0 = time.perf_counter()
    load_kwargs = {"torch_dtype": dtype} if dtype == torch.bfloat16 and args.load == "dtype" else {}
    # tokenizer=None: GemmaTokenizerFast needs the Rust extension; the stand-in is set right after
    pipe = SanaSprintPipeline.from_pretrained(args.model, tokenizer=None, **load_kwargs)
    if dtype == torch.bfloat16 and args.load == "to":
        pipe.to(torch.bfloat16)
    pipe.tokenizer = GemmaBpeTokenizer(os.path.join(args.model, "tokenizer", "tokenizer.json"))
    pipe.set_progress_bar_config(disable=True)
    load_s = time.perf_counter() - t0
    load_peak = rss_peak_bytes()

    encode = Timer(pipe.encode_prompt)
    pipe.encode_prompt = encode
    gemma = Timer(pipe.text_encoder.forward)
    pipe.text_encoder.forward = gemma
    step = Timer(pipe.transformer.forward)
    pipe.transformer.forward = step
    decode = Timer(pipe.vae.decode)
    pipe.vae.decode = decode

    # diffusers' default intermediate_timesteps (1.3) is valid only for 2 steps and raises otherwise
    extra = dict(case.get("pipeline_kwargs", {})) if case else ({} if args.steps == 2 else {"intermediate_timesteps": None})

    def generate():
        generator = torch.Generator().manual_seed(args.seed)
        t = time.perf_counter()
        with torch.no_grad():
            out = pipe(prompt=args.prompt, num_inference_steps=args.steps, height=args.height, width=args.width,
                       guidance_scale=args.guidance, generator=generator, use_resolution_binning=False,
                       output_type="np", **extra)
        return out.images, time.perf_counter() - t

    for _ in range(args.warmup):
        generate()
    for timer in (encode, gemma, step, decode):
        timer.times.clear()
        timer.shapes.clear()
    before_call_peak = rss_peak_bytes()  # loading and warm-up
    hwm_reset = reset_rss_peak()
    images, total_s = generate()
    call_peak = vm_hwm_bytes() if hwm_reset else None
    image_u8 = (images[0] * 255).round().astype(np.uint8)  # as diffusers' numpy_to_pil: round half to even

    rates = {}
    if args.matmul:
        rates = {"float32": matmul_rate(torch, args.matmul, torch.float32),
                 "bfloat16": matmul_rate(torch, args.matmul, torch.bfloat16)}

    result = {
        "pipeline": "diffusers SanaSprintPipeline",
        "model": os.path.abspath(args.model),
        "prompt": args.prompt, "seed": args.seed, "height": args.height, "width": args.width, "steps": args.steps,
        "guidance_scale": args.guidance,
        "dtype": args.dtype, "load": args.load if dtype == torch.bfloat16 else "float32",
        "threads": torch.get_num_threads(), "warmup_calls": args.warmup,
        "component_dtypes": {n: str(getattr(pipe, n).dtype) for n in ("text_encoder", "transformer", "vae")},
        "gemma_attn_implementation": getattr(pipe.text_encoder.config, "_attn_implementation", None),
        "seconds": {
            "load": load_s,
            "text": sum(encode.times), "text_gemma_forward": sum(gemma.times),
            "steps": list(step.times), "step_total": sum(step.times),
            "decode": sum(decode.times), "total": total_s,
        },
        "text_encoder_input_shape": list(gemma.shapes[0]) if gemma.shapes else None,
        "peak_rss_bytes": max(before_call_peak, rss_peak_bytes()), "peak_rss_after_load_bytes": load_peak,
        "peak_rss_measured_call_bytes": call_peak,
        "matmul": {"n": args.matmul, "gflops": rates} if rates else None,
        "versions": dict(versions, torch=torch.__version__, numpy=np.__version__,
                         python=platform.python_version(),
                         commits={n: git_commit(args.src, n) for n in ("diffusers", "transformers", "huggingface_hub")}),
        "env": {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                                                "ATEN_CPU_CAPABILITY", "DNNL_MAX_CPU_ISA", "OPENBLAS_CORETYPE")
                if os.environ.get(k) is not None},
        "torch_config": {"cpu_capability": next((ln.split(":", 1)[1].strip() for ln in
                                                 torch.__config__.show().splitlines()
                                                 if "CPU capability usage" in ln), None),
                         "mkldnn": torch.backends.mkldnn.is_available()},
        "cpu": cpu_model(),
    }
    if case is not None:
        result["golden"] = compare_with_golden(args, case, image_u8, pipe, np, torch)
    if args.image:
        from PIL import Image

        Image.fromarray(image_u8).save(args.image)
    print_table(result)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=1)
        print(f"json: {args.json}")
    if case is not None and not result["golden"]["ok"]:
        sys.exit(1)


def compare_with_golden(args, case, image_u8, pipe, np, torch):
    """Token ids and the uint8 image against the stored case (the tiny model; float32, one thread)."""
    from safetensors.torch import load_file

    stored = load_file(os.path.join(args.golden, case["file"]))
    ref = stored["image_uint8"][0].numpy()
    diff = np.abs(image_u8.astype(np.int16) - ref.astype(np.int16))
    out = {"case": case["name"], "image_shape": list(ref.shape), "max_abs_diff": int(diff.max()),
           "mean_abs_diff": float(diff.mean()), "pixels_off": int((diff > 0).sum()),
           "values": int(diff.size)}
    if "input_ids_full" in stored:
        chi = "\n".join(pipe_default_chi())
        text = pipe._text_preprocessing([args.prompt], clean_caption=False)[0]
        n = len(pipe.tokenizer.encode(chi))
        enc = pipe.tokenizer([chi + text], padding="max_length", max_length=n + 300 - 2, truncation=True,
                             add_special_tokens=True, return_tensors="pt")
        out["token_ids_equal"] = bool(torch.equal(enc.input_ids, stored["input_ids_full"]))
        out["attention_mask_equal"] = bool(torch.equal(enc.attention_mask, stored["attention_mask_full"]))
    if args.dtype == "float32":
        out["ok"] = out["max_abs_diff"] <= 1 and out.get("token_ids_equal", True)
        return out
    # bfloat16 is not expected to match the float32 golden; the yardstick is the reference's own bf16 run
    # (expected_bf16/), whose distance from the float32 golden is in its run_info.json
    out["psnr_db"] = float(10 * np.log10(255.0 ** 2 / max(float((diff.astype(np.float64) ** 2).mean()), 1e-12)))
    png = os.path.join(args.golden, "expected_bf16", case["name"] + ".image_uint8.0.png")
    if os.path.exists(png):
        from PIL import Image

        bf = np.asarray(Image.open(png)).astype(np.int16)
        d = np.abs(image_u8.astype(np.int16) - bf)
        out["vs_expected_bf16"] = {"max_abs_diff": int(d.max()), "mean_abs_diff": float(d.mean())}
    out["ok"] = out.get("token_ids_equal", True)
    return out


def pipe_default_chi():
    import inspect

    from diffusers import SanaSprintPipeline

    return inspect.signature(SanaSprintPipeline.__call__).parameters["complex_human_instruction"].default


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def print_table(r):
    s = r["seconds"]
    gib = 1024 ** 3
    print(f"diffusers SanaSprintPipeline, {r['dtype']}"
          + (f" (load: {r['load']})" if r["dtype"] == "bfloat16" else "")
          + f", {r['height']}x{r['width']}, {r['steps']} step(s), seed {r['seed']}, {r['threads']} thread(s), warm")
    print(f"| text | step | decode | total | peak RSS |")
    print(f"| --- | --- | --- | --- | --- |")
    print(f"| {s['text']:.2f} s | {s['step_total']:.2f} s | {s['decode']:.2f} s | **{s['total']:.2f} s** "
          f"| {r['peak_rss_bytes'] / gib:.2f} GiB |")
    print(f"text = encode_prompt (Gemma-2 forward {s['text_gemma_forward']:.2f} s); steps: "
          + ", ".join(f"{t:.2f}" for t in s["steps"]) + f" s; load {s['load']:.1f} s; peak RSS after load "
          f"{r['peak_rss_after_load_bytes'] / gib:.2f} GiB"
          + (f", during the measured call {r['peak_rss_measured_call_bytes'] / gib:.2f} GiB"
             if r["peak_rss_measured_call_bytes"] else ""))
    if r["matmul"]:
        m = r["matmul"]
        print(f"matmul {m['n']}^3: float32 {m['gflops']['float32']:.0f} GFLOP/s, "
              f"bfloat16 {m['gflops']['bfloat16']:.0f} GFLOP/s")
    if "golden" in r:
        g = r["golden"]
        print(f"golden {g['case']}: image max |diff| {g['max_abs_diff']}, mean {g['mean_abs_diff']:.4f}, "
              f"{g['pixels_off']} of {g['values']} values differ"
              + (f"; token ids equal: {g['token_ids_equal']}" if "token_ids_equal" in g else "")
              + (f"; PSNR {g['psnr_db']:.1f} dB (bf16 vs the float32 golden)" if "psnr_db" in g else "")
              + (f"; vs expected_bf16/: max {g['vs_expected_bf16']['max_abs_diff']}, mean "
                 f"{g['vs_expected_bf16']['mean_abs_diff']:.4f}" if "vs_expected_bf16" in g else "")
              + (" -> OK" if g["ok"] else " -> MISMATCH"))


if __name__ == "__main__":
    main()
