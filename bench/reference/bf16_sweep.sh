#!/usr/bin/env bash
# The bf16 yardstick beyond the visible golden cases: for each seed and step count, on the tiny golden model, the
# Python reference makes its float32 image (the "golden" of that case) and its own bf16 image; Sprint makes its bf16
# image with the same request. Each bf16 image's distance from the reference's float32 image is printed, with the
# check LibtorchBf16ParityTest applies to the visible cases (mean ≤ 1.5× the reference's, PSNR ≥ reference − 3 dB).
#   REFBENCH_SRC=~/.cache/sprint-refbench bench/reference/bf16_sweep.sh [OUT_DIR] [SEEDS] [STEPS]
#   defaults: /tmp/bf16-sweep, "1 2 3 4 5 6 7 8", "1 2 4"
# Needs bench/reference/setup.sh (Debian python3-torch + sources). The reference runs as the expected_bf16 images
# were made (golden/sana-sprint/expected_bf16/README.md): one thread, scalar normal sampler, AVX512 oneDNN.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-/tmp/bf16-sweep}"
seeds="${2:-1 2 3 4 5 6 7 8}"
steps_list="${3:-1 2 4}"
prompt="A red fox sitting in fresh snow, watercolor"
model="$root/golden/sana-sprint/model"
mkdir -p "$out"
for steps in $steps_list; do
  for seed in $seeds; do
    base="$out/s${seed}_n${steps}"
    for dtype in float32 bfloat16; do
      [[ -f "$base.ref_$dtype.png" ]] && continue
      ATEN_CPU_CAPABILITY=default OPENBLAS_CORETYPE=Haswell DNNL_MAX_CPU_ISA=AVX512_CORE \
        "$root/bench/reference/run.sh" --model "$model" --prompt "$prompt" --height 96 --width 160 --steps "$steps" \
        --seed "$seed" --dtype "$dtype" --threads 1 --matmul 0 --warmup 0 --image "$base.ref_$dtype.png" > "$base.ref_$dtype.log" 2>&1
    done
    [[ -f "$base.sprint_bf16.png" ]] || "$root/sprint" generate --model "$model" --prompt "$prompt" --height 96 --width 160 \
        --no-binning --steps "$steps" --seed "$seed" --precision bfloat16 --output "$base.sprint_bf16.png" > "$base.sprint.log" 2>&1
  done
done
/usr/bin/python3 - "$out" "$seeds" "$steps_list" <<'PY'
import sys, numpy as np
from PIL import Image
out, seeds, steps_list = sys.argv[1], sys.argv[2].split(), sys.argv[3].split()
def load(p): return np.asarray(Image.open(p).convert("RGB"), dtype=np.int32)
def dist(a, b):
    d = np.abs(a - b); mse = float((d.astype(np.float64) ** 2).mean())
    return d.mean(), d.max(), (10 * np.log10(255 * 255 / mse) if mse > 0 else float("inf")), (d > 2).mean() * 100
print("| steps | seed | Sprint bf16: mean / max / PSNR / >2 | reference bf16: mean / max / PSNR / >2 | check |")
print("| --- | --- | --- | --- | --- |")
fails = 0
for n in steps_list:
    for s in seeds:
        b = f"{out}/s{s}_n{n}"
        f32 = load(b + ".ref_float32.png")
        sm, sx, sp, so = dist(load(b + ".sprint_bf16.png"), f32)
        rm, rx, rp, ro = dist(load(b + ".ref_bfloat16.png"), f32)
        ok = sm <= 1.5 * rm and sp >= rp - 3
        fails += not ok
        print(f"| {n} | {s} | {sm:.3f} / {sx} / {sp:.2f} dB / {so:.2f} % | {rm:.3f} / {rx} / {rp:.2f} dB / {ro:.2f} % | {'ok' if ok else 'FAIL'} |")
print(f"{fails} case(s) outside the yardstick")
PY
